"""Torch CPU thread count: OpenMP spin-waiting makes the wrong count very expensive.

Measured (DESIGN.md, idle 2-core box, torch 2.13): a click takes 10.6 ms on the main
thread and 21 ms on a spawned thread, because a second OpenMP team stops libgomp's
spin-waiting; with `torch.set_num_threads(1)` both take 14 ms. On a loaded 2-core box
(other processes busy, bench/RESULTS.md) two threads are far worse still: ~2 s against
~0.1 s per click, as the spinning threads wait for cores they do not get.

So: one thread off the main thread; on the main thread half the usable cores (1 on a
2-core box), which leaves room for the web process, frame decoding and read-ahead.
A caller's explicit count (`EngineConfig.torch_threads`, from the `SAM2_TORCH_THREADS`
setting) overrides both; the engine reads no environment itself.
"""

from __future__ import annotations

import os
import threading

import torch


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def recommended_threads(off_main_thread: bool | None = None) -> int:
    if off_main_thread is None:
        off_main_thread = threading.current_thread() is not threading.main_thread()
    return 1 if off_main_thread else max(1, cpu_count() // 2)


def configure_torch_threads(n: int | None = None, off_main_thread: bool | None = None) -> int:
    """Set torch's intra-op thread count (process-wide) to n, or to the recommended count
    when n is None, and return it."""
    n = recommended_threads(off_main_thread) if n is None else int(n)
    if n < 1:
        raise ValueError("thread count must be >= 1")
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
