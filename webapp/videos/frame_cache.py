"""A frame's JPEG bytes, through a local disk cache when the storage is remote (S3).

With local storage (the default) a frame is read where it lies and nothing is cached. With S3
every frame would be one GET (tens of ms): an inference worker reads every frame of a video
when it builds a session and again for each propagation, and web servers serve the same frames
to every annotator of a video. So each machine keeps frames it has fetched under
FRAME_CACHE_DIR (default <MASKFLOW_VAR_DIR>/frame-cache), at most FRAME_CACHE_MB (the least
recently used files go first; 0 turns the cache off). Processes on one machine share it
(writes are atomic renames).

Frames never change once ingest wrote them (they are deleted with their video), so entries
need no invalidation; the key holds the video's creation time, so an id that SQLite reuses
after a delete never hits the old video's frames.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

log = logging.getLogger(__name__)
_lock = threading.Lock()
_written = 0  # bytes this process added since its last sweep


def _cache_dir() -> Path | None:
    if settings.FRAME_CACHE_MB <= 0 or isinstance(default_storage, FileSystemStorage):
        return None
    return Path(settings.FRAME_CACHE_DIR)


def _key(video, n: int) -> str:
    born = int(video.created_at.timestamp() * 1000) if video.created_at else 0
    return f"{video.pk}-{born}/{n:06d}.jpg"


def frame_bytes(video, n: int) -> bytes:
    """Frame `n` of `video`; FileNotFoundError if storage has no such frame."""
    root = _cache_dir()
    if root is None:
        with default_storage.open(video.frame_path(n), "rb") as fh:
            return fh.read()
    path = root / _key(video, n)
    try:
        data = path.read_bytes()
        os.utime(path)  # recently used: swept last
        return data
    except FileNotFoundError:
        pass
    with default_storage.open(video.frame_path(n), "rb") as fh:
        data = fh.read()
    _store(root, path, data)
    return data


def _store(root: Path, path: Path, data: bytes) -> None:
    global _written
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:  # a full or read-only disk only costs the cache
        log.warning("frame cache: could not write %s: %s", path, exc)
        return
    with _lock:
        _written += len(data)
        due = _written > (settings.FRAME_CACHE_MB << 20) // 10
        if due:
            _written = 0
    if due:
        sweep(root)


def sweep(root: Path | None = None) -> int:
    """Delete the least recently used frames until the cache is under 80% of its cap.
    Returns the bytes it now holds."""
    root = root or _cache_dir()
    if root is None or not root.exists():
        return 0
    files = []
    for p in root.glob("*/*.jpg"):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        files.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in files)
    cap = settings.FRAME_CACHE_MB << 20
    if total <= cap:
        return total
    for _, size, p in sorted(files):
        if total <= cap * 0.8:
            break
        try:
            p.unlink()
            total -= size
        except FileNotFoundError:
            pass
    return total
