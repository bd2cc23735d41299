"""Load exported model files without running code from them: what each format may hold, checked first.

A model file is read once (bounded, a regular file) and checked in memory; torch then
loads those same bytes. A file that fails a check is refused (InputError), never
loaded with looser settings.

- `.pth` (state dict): `torch.load(weights_only=True)`, whose unpickler builds only
  tensors and plain containers.
- `.pt2` (`torch.export`): `torch.export.load` unpickles without the weights-only
  restriction any payload its config marks `use_pickle`, any opaque constant, a legacy weights file,
  and sample inputs that `weights_only=True` cannot read; it also loads AOTInductor
  shared libraries. So the archive may hold only: its format and version records,
  the program's JSON, raw weight and tensor-constant payloads whose configs mark none
  `use_pickle`, and sample inputs that load with `weights_only=True`.
- TorchScript (`.pt`): `torch.jit.load` runs no Python. Its pickles go through
  TorchScript's own unpickler, which builds only tensors, containers and TorchScript
  classes; its code is TorchScript, compiled, of which only `__setstate__` methods run
  while loading; running the model runs its graph of registered operators, which
  include `aten::save` and `aten::from_file` (they write and read files). So a file
  with a `__setstate__` is refused before loading, and a loaded model whose graph
  calls an operator outside the `aten` and `prim` namespaces, any operator that takes
  a file name, or a method of an object, is refused before it runs. Its archive may
  hold only what `torch.jit.save` writes.
- Every archive is checked as its loader reads it (`_Archive`): through torch's own zip
  reader, with every entry there once (torch finds a name in any case and reads the
  first of two; Python's zipfile reads the last), so a clean entry cannot hide the one
  torch loads.
- ONNX: `svgq_jax.core.onnxsession` (the predictor's, which imports no torch).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from functools import cache

from svgq_jax.core.errors import InputError
from svgq_jax.core.files import MAX_MODEL_BYTES, parse_json, read_bytes

# Entries of a torch.export archive, below its root folder, that load without unpickling anything.
PT2_ENTRIES = re.compile(
    "|".join(
        [
            r"archive_format|archive_version|byteorder|\.data/version|\.data/serialization_id",
            r"models/[\w.-]+\.json",
            r"data/weights/(weight_\d+|[\w.-]+_weights_config\.json)",
            r"data/constants/(tensor_\d+|[\w.-]+_constants_config\.json)",
            r"data/sample_inputs/[\w.-]+\.pt",
        ]
    )
)
# Entries of a TorchScript archive, below its root folder, as torch.jit.save writes them: its pickles (read by
# TorchScript's own unpickler), tensor storages, compiled code and its debug records, and format records.
TORCHSCRIPT_ENTRIES = re.compile(
    "|".join(
        [
            r"version|byteorder|\.data/version|\.data/serialization_id",
            r"(data|constants|traced_inputs)\.pkl|(data|constants|traced_inputs)/\d+",
            r"code/__torch__(/[\w.-]+)*\.py(\.debug_pkl)?",
        ]
    )
)
# Entries whose bytes are tensor storage only (nothing in them is code or read as code).
STORAGES = re.compile(r"(data|constants|traced_inputs)/\d+|data/(weights/weight|constants/tensor)_\d+")
MAX_ENTRY_BYTES = 64 << 20  # an archive entry this checks before torch reads it (JSON, code, sample inputs)


def load_state(path: str):
    import torch

    data = read_bytes(path, MAX_MODEL_BYTES)
    if zipfile.is_zipfile(io.BytesIO(data)):
        _Archive(data, path, None)  # one entry per name, as torch reads them (the unpickler is the safeguard)
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # the restricted unpickler's refusal, or a corrupt file
        raise InputError(f"{path}: not a plain state dict ({type(e).__name__}), refused") from None


def load_exported(path: str):
    """A torch.export program, after `check_pt2`."""
    import torch

    data = read_bytes(path, MAX_MODEL_BYTES)
    check_pt2(data, path)
    return torch.export.load(io.BytesIO(data))


def check_pt2(data: bytes, name: str) -> None:
    import torch

    archive = _Archive(data, name, PT2_ENTRIES, "torch.export would unpickle or run")
    for entry in archive.entries:
        if entry.endswith("_config.json") and _pickled_payload(archive.read(entry)):
            raise InputError(f"{name}: {entry} marks a pickled payload, which torch.export would unpickle")
        if entry.startswith("data/sample_inputs/"):
            try:
                torch.load(io.BytesIO(archive.read(entry)), weights_only=True)
            except InputError:
                raise
            except Exception:
                raise InputError(f"{name}: {entry} is not plain tensors; torch.export would unpickle it") from None


def _pickled_payload(text: bytes) -> bool:
    """Whether a payload config marks a payload pickled (or an object constant), or is no config at all."""
    try:
        config = parse_json(text)["config"]
        entries = list(config.values())
    except (ValueError, KeyError, TypeError, AttributeError):
        return True  # nothing vouches for the payloads
    plain = ("weight_", "tensor_")
    return not all(
        isinstance(e, dict) and e.get("use_pickle") is False and str(e.get("path_name")).startswith(plain)
        for e in entries
    )


def load_torchscript(path: str):
    """A TorchScript module, after `check_torchscript` and, loaded, `check_graph`."""
    import torch

    data = read_bytes(path, MAX_MODEL_BYTES)
    check_torchscript(data, path)
    try:
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
    except Exception as e:
        raise InputError(f"{path}: not a loadable TorchScript file ({type(e).__name__})") from None
    check_graph(module.inlined_graph, path)
    return module


def check_torchscript(data: bytes, name: str) -> None:
    archive = _Archive(data, name, TORCHSCRIPT_ENTRIES, "torch.jit.load does not expect")
    for entry in archive.entries:
        if not STORAGES.fullmatch(entry) and b"__setstate__" in archive.read(entry):
            raise InputError(f"{name}: {entry} defines __setstate__, which would run while loading")


def check_graph(graph, name: str) -> None:
    """InputError for a node (in any block) that is not a plain `aten`/`prim` operator."""
    for node in graph.nodes():
        kind = node.kind()
        namespace, _, op = kind.partition("::")
        if namespace not in ("aten", "prim") or op in _file_ops() or kind in ("prim::CallMethod", "prim::CallFunction"):
            raise InputError(f"{name}: the model calls {kind}, which is refused")
        for block in node.blocks():
            check_graph(block, name)


@cache
def _file_ops() -> frozenset[str]:
    """Names of the registered operators that take a file name (aten::save, aten::from_file, ...)."""
    import torch

    return frozenset(
        str(s.name).partition("::")[2]
        for s in torch._C._jit_get_all_schemas()
        if any(a.name in ("filename", "file", "path") for a in s.arguments)
    )


class _Archive:
    """A torch zip archive as its loader reads it: through torch's own reader (`PyTorchFileReader`, which
    torch.load, torch.jit.load and torch.export.load use), so a check reads exactly the bytes the loader will.

    That reader finds an entry by its name in any case and, of two entries of one name, reads the first, where
    Python's zipfile reads the last: so every entry must be there once, compared without case, and Python's
    zip directory must list the same entries as torch's, all below one root folder. With `allowed`, every entry
    must match it: a name outside the expected ones is refused, not skipped."""

    def __init__(self, data: bytes, name: str, allowed: re.Pattern | None, why: str = ""):
        import torch

        self.name = name
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise InputError(f"{name}: not a torch archive (not a zip file)") from None
        names = [i.filename for i in infos]
        root = _root(names, name)
        try:
            self.reader = torch._C.PyTorchFileReader(io.BytesIO(data))
            self.entries = list(self.reader.get_all_records())
        except Exception as e:
            raise InputError(f"{name}: not a readable torch archive ({type(e).__name__})") from None
        for listed in (names, self.entries):
            count = Counter(n.lower() for n in listed)
            twice = next((n for n in listed if count[n.lower()] > 1), None)
            if twice is not None:
                raise InputError(f"{name}: the archive holds {twice!r} twice (names compared without case), refused")
        self.sizes = {i.filename[len(root) :]: i.file_size for i in infos}
        if sorted(self.entries) != sorted(self.sizes):
            raise InputError(f"{name}: torch reads other entries than its zip directory lists, refused")
        if sum(self.sizes.values()) > MAX_MODEL_BYTES:
            raise InputError(f"{name}: its entries unpack to over {MAX_MODEL_BYTES >> 20} MiB, refused")
        unexpected = next((e for e in self.entries if allowed and not allowed.fullmatch(e)), None)
        if unexpected is not None:
            raise InputError(f"{name}: the archive holds {unexpected!r}, which {why}")

    def read(self, entry: str) -> bytes:
        """An entry's bytes, as torch's reader returns them to the loader."""
        if self.sizes[entry] > MAX_ENTRY_BYTES:
            raise InputError(f"{self.name}: {entry} is larger than {MAX_ENTRY_BYTES >> 20} MiB, refused")
        try:
            return bytes(self.reader.get_record(entry))
        except Exception as e:
            raise InputError(f"{self.name}: {entry} is unreadable ({type(e).__name__})") from None


def _root(names: list[str], name: str) -> str:
    """The archive's root folder ("model/"); InputError unless every entry is below that one folder."""
    roots = {n.partition("/")[0] for n in names}
    if len(roots) != 1 or any("/" not in n for n in names):
        raise InputError(f"{name}: not a torch archive (its entries share no root folder)")
    return roots.pop() + "/"
