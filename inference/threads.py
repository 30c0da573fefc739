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

A propagation can do better than a fixed guess: `ThreadTuner` times its frames at one
thread and at every usable core and runs at whichever was faster lately, probing the other
now and then (rarely while it keeps losing), so free cores get used and busy ones are not
spun on. On a 2-core CPU machine the second core goes to inference.features' encoder
thread instead, which measured faster than two OpenMP threads (bench/RESULTS.md).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import deque

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


class ThreadTuner:
    """The intra-op thread count for the one thread that runs the model, chosen by measuring.

    Free cores make more threads faster; busy cores make them much slower, because OpenMP
    threads spin-wait for cores they do not get. Which case holds changes by the minute on a
    shared machine, so a fixed count is wrong half the time. The tuner times each unit of
    work (a propagated frame) at the count it ran with, runs at the count with the lowest
    recent median, and every `every` frames tries another count for `probe` frames (the
    first of those is a warm-up and not counted). While the other count keeps losing by more
    than a third it tries it less often (up to 16 times rarer), so a collapse costs a few
    frames an hour, not a few a minute. Samples are kept per `key` (the caller passes what
    changes a frame's cost, such as the number of objects) and expire after `max_age_s`.

    Call `start()` before a run of frames (time spent idle is not a frame) and `tick(key)`
    after each one, from the thread that runs the model: torch's count is per calling thread.
    """

    def __init__(self, candidates, every: int = 32, probe: int = 3, window: int = 4,
                 max_age_s: float = 30.0, apply=None, clock=time.monotonic) -> None:
        self.candidates = sorted({max(1, int(c)) for c in candidates})
        self.every, self.probe, self.window, self.max_age_s = every, probe, window, max_age_s
        self._apply = apply if apply is not None else _set_threads
        self._clock = clock
        self.current = self.candidates[0]  # the safe count until the others are measured
        self._samples: dict[tuple, deque] = {}
        self._last: float | None = None
        self._skip = False  # the frame after a switch pays the new team's start-up
        self._probing: int | None = None  # the count being tried, with _left frames to go
        self._left = 0
        self._countdown = probe  # the first probe comes early: measure both counts at once
        self._backoff: dict[int, int] = {}
        self._applied: int | None = None
        self.switches = 0

    @property
    def fixed(self) -> bool:
        return len(self.candidates) == 1

    def start(self) -> int:
        """Before a run of frames: apply the current count, restart the frame clock."""
        self._set(self.current)
        self._last = self._clock()
        self._skip = True  # the run's first frame pays its set-up (and a slice switch)
        return self.current

    def median(self, n: int, key=None) -> float | None:
        now = self._clock()
        xs = [dt for t, dt in self._samples.get((key, n), ()) if now - t <= self.max_age_s]
        return statistics.median(xs) if xs else None

    def tick(self, key=None) -> int:
        """One frame done since the last tick (or start); returns the count for the next."""
        now = self._clock()
        dt = None if self._last is None else now - self._last
        self._last = now
        warmup, self._skip = self._skip, False
        if dt is not None and not warmup:
            self._samples.setdefault((key, self.current), deque(maxlen=self.window)).append(
                (now, dt))
        if self.fixed:
            return self.current
        if self._probing is not None:
            self._left -= 1
            best = self.median(self._best_other(key), key)
            if warmup and dt is not None and best is not None and dt > 3 * best:
                # far slower even allowing for the start-up: that is the collapse, stop now
                self._samples.setdefault((key, self.current), deque(maxlen=self.window)).append(
                    (now, dt))
                self._left = 0
            if self._left <= 0:
                self._end_probe(key)
        else:
            self._countdown -= 1
            if self._countdown <= 0 or self._slowed(key):
                self._begin_probe(key)
        return self.current

    def _best_other(self, key) -> int:
        others = [n for n in self.candidates if n != self.current]
        known = [(m, n) for n in others if (m := self.median(n, key)) is not None]
        return min(known)[1] if known else others[0]

    def _slowed(self, key) -> bool:
        """The last three frames at the current count took over 1.5 times what another count
        took lately: the machine changed, look again now."""
        s = self._samples.get((key, self.current))
        other = self.median(self._best_other(key), key)
        if not s or len(s) < 3 or other is None:
            return False
        return statistics.median(dt for _, dt in list(s)[-3:]) > 1.5 * other

    def _best(self, key) -> int:
        known = [(m, n) for n in self.candidates if (m := self.median(n, key)) is not None]
        return min(known)[1] if known else self.current

    def _begin_probe(self, key) -> None:
        best = self._best(key)
        others = [n for n in self.candidates if n != best]
        # the one measured longest ago (or never) first
        def age(n):
            s = self._samples.get((key, n))
            return s[-1][0] if s else float("-inf")
        self._probing = min(others, key=age)
        self._samples.pop((key, self._probing), None)  # only this probe's frames count for it
        self._left = self.probe
        self._switch(self._probing)

    def _end_probe(self, key) -> None:
        tried, self._probing = self._probing, None
        best = self._best(key)
        mt, mb = self.median(tried, key), self.median(best, key)
        if best != tried and mt is not None and mb is not None and mt > 1.33 * mb:
            self._backoff[tried] = min(16, self._backoff.get(tried, 1) * 2)
        else:
            self._backoff[tried] = 1
        self._countdown = self.every * max(
            (self._backoff.get(n, 1) for n in self.candidates if n != best), default=1)
        self._switch(best, warmup=False)  # back to a count measured just before: count it all

    def _switch(self, n: int, warmup: bool = True) -> None:
        if n != self.current:
            self.current = n
            self.switches += 1
            self._skip = warmup
        self._set(n)

    def _set(self, n: int) -> None:
        if self._applied != n:
            self._apply(n)
            self._applied = n


def _set_threads(n: int) -> None:
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def tuner_for(n: int | None, reserved: int = 0) -> ThreadTuner:
    """A fixed count when the deployment set one (`SAM2_TORCH_THREADS`), else a tuner over
    one thread and every usable core but `reserved` (those another thread of ours keeps
    busy, such as inference.features' encoder thread)."""
    return ThreadTuner([n] if n else [1, max(1, cpu_count() - reserved)])
