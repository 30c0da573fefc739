"""Download Meta's public SAM 2.1 checkpoints: `python -m inference.weights sam2.1_hiera_tiny
[--dir DIR]`. `make weights` runs `manage.py weights`, which passes the SAM2_WEIGHTS_DIR
setting as the directory."""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from .config import REAL_MODELS

BASE_URL = "https://dl.fbaipublicfiles.com/segment_anything_2/092824"
DEFAULT_DIR = Path("checkpoints")


def checkpoint_url(model: str) -> str:
    if model not in REAL_MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(REAL_MODELS)}")
    return f"{BASE_URL}/{model}.pt"


def download(model: str, dest_dir: Path = DEFAULT_DIR, force: bool = False) -> Path:
    """Fetch `<model>.pt` into dest_dir (atomically) and return its path."""
    url = checkpoint_url(model)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{model}.pt"
    if dest.exists() and not force:
        print(f"{dest} already exists", file=sys.stderr)
        return dest
    print(f"downloading {url} -> {dest}", file=sys.stderr)
    digest = hashlib.sha256()
    with urllib.request.urlopen(url) as resp, tempfile.NamedTemporaryFile(
        dir=dest_dir, delete=False, suffix=".part"
    ) as tmp:
        while chunk := resp.read(1 << 20):
            digest.update(chunk)
            tmp.write(chunk)
    shutil.move(tmp.name, dest)
    print(f"sha256 {digest.hexdigest()}", file=sys.stderr)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", choices=REAL_MODELS)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    path = download(args.model, args.dir, args.force)
    print(f"export SAM2_MODEL={args.model} SAM2_CHECKPOINT={path.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
