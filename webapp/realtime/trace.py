"""Opt-in timestamps of a message's trip through the stack, for finding where latency goes.

With MASKFLOW_TRACE=<file> set, every process appends "<unix time> <pid> <stage>" lines to that
file at the stages named in bench/bench_realtime.py (which prints the breakdown). Unset, a
stamp costs one attribute check.
"""
from __future__ import annotations

import os
import threading
import time

_path = os.environ.get("MASKFLOW_TRACE")
_lock = threading.Lock()
_file = None


def enable(path: str) -> None:
    """Trace this process into `path` (what MASKFLOW_TRACE does for processes started with it)."""
    global _path
    _path = path


def stamp(stage: str) -> None:
    if not _path:
        return
    global _file
    with _lock:
        if _file is None:
            _file = open(_path, "a", buffering=1)
        _file.write(f"{time.time():.6f} {os.getpid()} {stage}\n")
