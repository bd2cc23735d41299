"""Golden hashes: a change to the drawings must bump logos.GENERATOR_VERSION.

Datasets record the generator version they were built with; a seed that silently draws a
different picture under the same version would make two builds of "the same" dataset
disagree. This pins the exact pixels of 20 logos (every type, seeds [0, 0] .. [0, 3]) for
each generator version. Refactors must keep them; a deliberate change to the drawings
bumps GENERATOR_VERSION and adds the new version's hashes here (keep the old entries).

The pixels also depend on Pillow's rasteriser and FreeType (text): the hashes were recorded
with Pillow 13.0.0 and FreeType 2.14.3. If an upgrade of those alone breaks this test, the
procedural pictures did change, so the same rule applies.
"""

import hashlib

import numpy as np
import pytest

from svgq_jax.data import logos

SEEDS = [[0, i] for i in range(4)]

GOLDEN = {
    2: {
        "simple_geometric": [
            "1b4097c16ffd2bf59ad9305ad2b469c0cfe5b0151285b9a513c8d2024e8b5b2a",
            "84911ceeb6e6e7a60829e077fa4fa68ec303b6af9705542aeb5ad6694ac833c2",
            "a4a682e39e4b71ecfed6fe22b928faa29b9ab0a8c30054307eb32b43c76f262f",
            "be114020b1439c566a3cb64a14a699ee8453a74f9a605ef630e9e56f0e132095",
        ],
        "text_based": [
            "ff41ae703ca40c2b1040c2524a90400f1bde15a354da49b7f1e98994f0204573",
            "0b211ea95f0d1d1a9262dfd9bc397ab3acf980c293ab8649a354832544a41949",
            "819f58dde6cb807b2155aa622382ff34807d6cd7187026b67697789ab45d6d18",
            "8590a7ae4b1566a98dee7f59b6de6bbfb66f6943af449285d31630d0ee29d3a8",
        ],
        "gradient": [
            "a9eadcd2583dfb479df89ae6ee104bcfbea1f54ca0be0eda0e66deef25ceaca7",
            "88b6ffb2d92cf74214e159c99cd349adf5e4759a7e30d0f512af8a12450b71de",
            "7b4ee30653facc5f658e51835a5c2277313a29aebab342bf6378a83e1c1412a9",
            "0becd2a7c60c119455f2b2e8312b7a8513a0d4a8d3ba28e265c1a699e1c35f81",
        ],
        "complex": [
            "30b861872aa8c5cce8597121a4c72cb00b17944b718e62cd0dba80a794bc15dd",
            "7d1edb6048dcc5623500865132fa8ee0f5ad7a09170fd51db96f3d88254fcd7f",
            "a3ea9d392b1f3258a0f4de13aba7465a3e6fb2b633c5712347ba90abb54a165d",
            "7c5b711cb64d9cb3c0171f5fcf9abe95b0e7c3e77097f5002fbc909598aa4edb",
        ],
        "abstract": [
            "9d67daf8aa88ad3f86dd52305d2365beaf770554293bfaa0ae7f81a105adaece",
            "5c8dddcdeba9152d7437e23a0bb22a52f8efd655b20df5d0cebc6bd376783204",
            "d07a469ec95c74d7d898ff798e442cf55585ce9e93ef301963755c7f50567019",
            "1ece596df94c444c1d3282f1a3c8c296da9c17ef5d56142e4bda74e6cbbfb981",
        ],
    },
}


def _sha(img) -> str:
    return hashlib.sha256(np.asarray(img, np.uint8).tobytes()).hexdigest()


def _golden() -> dict:
    version = logos.GENERATOR_VERSION
    if version not in GOLDEN:
        pytest.fail(
            f"GENERATOR_VERSION {version} has no golden hashes: the drawings changed or the version "
            f"was bumped: add the new version's hashes to GOLDEN in {__file__}"
        )
    return GOLDEN[version]


def test_every_type_has_golden_hashes():
    assert sorted(_golden()) == sorted(logos.LOGO_TYPES)


@pytest.mark.parametrize("kind", logos.LOGO_TYPES)
def test_drawings_match_the_generator_version(kind):
    expected = _golden()[kind]
    for seed, want in zip(SEEDS, expected, strict=True):
        got = _sha(logos.draw_logo(kind, seed))
        assert got == want, (
            f"draw_logo({kind!r}, {seed}) differs from its golden hash for GENERATOR_VERSION "
            f"{logos.GENERATOR_VERSION}: the drawings changed, bump GENERATOR_VERSION and "
            f"record its hashes in GOLDEN (got {got})"
        )
