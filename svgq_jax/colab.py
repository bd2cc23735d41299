"""Colab conveniences, each a no-op (or a plain local fallback) outside Colab.

- `mount_drive()`: mount Google Drive and return a folder on it for runs and backups.
- `upload_zip(dest)`: upload a zip of logos and unpack it (optionally typed by subfolder).
- `download(path)`: zip a folder (e.g. RUN/export) and offer it for download.
- `fetch_pretrained_weights()`: put torchvision's ImageNet ResNet-50 weights in the torch hub cache.
- `install_command(extras)`: the pip command that installs the package and keeps what Colab preinstalls.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from svgq_jax.core.environment import in_colab, package_versions

# What an install never replaces where it is already there: Colab preinstalls these, pairs torch with its
# torchvision and torchaudio itself, and a newer torch is a download of several GB.
KEEP = ("torch", "torchvision", "torchaudio", "jax", "jaxlib")


def install_command(extras: str, constraints: str | Path = "keep-installed.txt", python: str = "python") -> list[str]:
    """`pip install -e .[extras]` pinned to the installed versions of KEEP: writes them to `constraints` (pip -c)
    so that pip installs what is missing and never upgrades or replaces them (it stops with a conflict instead)."""
    kept = {name: v for name, v in package_versions(KEEP).items() if v}
    Path(constraints).write_text("".join(f"{name}=={v}\n" for name, v in kept.items()))
    return [python, "-m", "pip", "install", "-q", "-c", str(constraints), "-e", f".[{extras}]"]


def mount_drive(subdir: str = "svgq_jax") -> Path | None:
    """Drive folder for runs and backups in Colab; None elsewhere."""
    if not in_colab():
        return None
    from google.colab import drive

    drive.mount("/content/drive")
    folder = Path("/content/drive/MyDrive") / subdir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def unpack_zip(zip_path: str | Path, dest: str | Path) -> Path:
    """Extract a zip of logos to `dest` (refusing paths that escape it)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for member in z.namelist():
            target = (dest / member).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise ValueError(f"{zip_path}: unsafe path in zip: {member}")
        z.extractall(dest)
    return dest


def upload_zip(dest: str | Path) -> Path | None:
    """In Colab, ask for a zip of logos and unpack it into `dest`; None elsewhere."""
    if not in_colab():
        return None
    from google.colab import files

    uploaded = files.upload()
    for name, data in uploaded.items():
        path = Path("/content") / name
        path.write_bytes(data)
        return unpack_zip(path, dest)
    return None


def download(folder: str | Path) -> Path:
    """Zip `folder`; in Colab, start a browser download. Returns the zip's path."""
    folder = Path(folder)
    archive = Path(shutil.make_archive(str(folder), "zip", folder))
    if in_colab():
        from google.colab import files

        files.download(str(archive))
    return archive


def fetch_pretrained_weights() -> Path | None:
    """Download torchvision's IMAGENET1K_V2 ResNet-50 weights into the torch hub cache (needs internet)."""
    import torch
    from torchvision.models import ResNet50_Weights

    try:
        ResNet50_Weights.IMAGENET1K_V2.get_state_dict(progress=True)
    except Exception as e:  # no network: the seeded random backbone is used instead
        print(f"could not download pretrained weights ({type(e).__name__}); the seeded random backbone will be used")
        return None
    return Path(torch.hub.get_dir()) / "checkpoints" / "resnet50-11ad3fa6.pth"
