"""Where inference commands go: the embedded inference thread, or (REDIS_URL set) the Celery
worker that holds the video's lease.

Also the small shared state both sides read per frame: the propagation generation of each
video (bumped by cancel and by a new propagate.start) and the prompt high-water mark.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


# --- shared state: memory (embedded) ---------------------------------------------------------
def marker(gen: int, job: dict, worker: str | None) -> dict:
    """What the control keeps about a queued or running propagation job."""
    return {"gen": gen, "worker": worker or "", "by": job.get("by"),
            "object_ids": job.get("object_ids", []), "done": job.get("done", 0),
            "total": job.get("total", 0)}


class MemoryControl:
    """Propagation jobs of this process's videos (embedded): ids, markers, cancel requests.
    Several jobs of one video may run at once (on different objects); see RedisControl."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[int, int] = {}
        self._active: dict[int, dict[int, dict]] = {}  # video -> gen -> marker
        self._cancel: dict[tuple[int, int], str] = {}  # (video, gen) -> reason

    def new_job(self, video_id: int) -> int:
        with self._lock:
            self._next[video_id] = gen = self._next.get(video_id, 0) + 1
            return gen

    def set_active(self, video_id: int, gen: int, job: dict, worker: str | None = None) -> None:
        with self._lock:
            self._active.setdefault(video_id, {})[gen] = marker(gen, job, worker)

    def clear_active(self, video_id: int, gen: int) -> None:
        with self._lock:
            self._active.get(video_id, {}).pop(gen, None)
            self._cancel.pop((video_id, gen), None)

    def actives(self, video_id: int) -> dict[int, dict]:
        with self._lock:
            return dict(self._active.get(video_id, {}))

    def cancel(self, video_id: int, gens, reason: str) -> None:
        with self._lock:
            for gen in gens:
                self._cancel[(video_id, gen)] = reason

    def cancelled(self, video_id: int, gen: int) -> str | None:
        return self._cancel.get((video_id, gen))

    def reap(self, video_id: int) -> list[dict]:
        return []  # the inference thread lives and dies with this process


class MemoryMarks:
    def __init__(self) -> None:
        self._marks: dict[int, int] = {}

    def get(self, video_id: int) -> int:
        return self._marks.get(video_id, 0)

    def set(self, video_id: int, seq: int) -> None:
        self._marks[video_id] = max(seq, self._marks.get(video_id, 0))


# --- the embedded inference thread ------------------------------------------------------------
class InferenceThread(threading.Thread):
    """One per process. Prompts run between two frames of any propagation; propagations of
    different videos take turns every SLICE frames; a propagation of the same video resumes
    after the prompt at its next frame."""

    SLICE = 16

    def __init__(self, control, marks) -> None:
        super().__init__(name="maskflow-inference", daemon=True)
        self.control, self.marks = control, marks
        self.queue: queue.Queue = queue.Queue()
        self.active: deque = deque()
        self.idle = threading.Event()
        self.runner = None

    def drain(self, timeout: float = 30.0) -> bool:
        """Close this thread's DB connections once the queue is empty (tests drop the DB)."""
        self.put({"op": "close_db"})
        return self.idle.wait(timeout)

    def put(self, cmd: dict) -> None:
        self.idle.clear()
        self.queue.put(cmd)

    def _should_yield(self, processed: int) -> bool:
        return not self.queue.empty() or (bool(self.active) and processed >= self.SLICE)

    def run(self) -> None:
        from inference import configure_torch_threads
        from webapp.realtime.runner import Runner

        # Off the main thread a second OpenMP team halves torch's speed unless it runs one
        # intra-op thread (DESIGN.md "threading trap"; bench/bench_realtime.py measures it).
        configure_torch_threads(off_main_thread=True)
        self.runner = Runner(self.control, self.marks)
        while True:
            try:
                if self.active:
                    cmd = self.queue.get_nowait()
                else:
                    if self.queue.empty():
                        self.idle.set()
                    cmd = self.queue.get()
            except queue.Empty:
                cmd = None
            try:
                # Inside the try: a database that is briefly unreachable fails this command,
                # never the thread (the prompt log replays it with the next one).
                close_old_connections()
                if cmd is None:
                    job = self.active.popleft()
                    cont = self.runner.propagate(job, self._should_yield)
                    if cont is not None:
                        self.active.append(cont)
                elif cmd["op"] == "close_db":
                    self.runner.close_db()
                elif cmd["op"] == "propagate":
                    self.active.append(cmd)
                else:
                    self.runner.handle(cmd)
            except Exception:
                log.exception("inference command failed: %s", cmd and cmd.get("op"))


# --- process-wide singletons ------------------------------------------------------------------
_lock = threading.Lock()
_control = None
_marks = None
_thread: InferenceThread | None = None


def control():
    global _control, _marks
    with _lock:
        if _control is None:
            if settings.SCALED_OUT:
                from webapp.realtime import leases

                _control, _marks = leases.RedisControl(), leases.RedisMarks()
            else:
                _control, _marks = MemoryControl(), MemoryMarks()
        return _control


def marks():
    control()
    return _marks


def inference_thread() -> InferenceThread:
    global _thread
    ctl = control()
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = InferenceThread(ctl, _marks)
            _thread.start()
        return _thread


# Lease holders seen alive lately, per video: (worker, time.monotonic()). The servers' room
# watchdogs refresh them every second (note_holder), so a click skips the lease round trip;
# a holder that stops beating is dropped at the next look and the lease moves as usual.
_holders: dict[int, tuple[str, float]] = {}
HOLDER_FRESH_S = 1.5


def note_holder(video_id: int, worker: str | None, alive: bool) -> str | None:
    """Cache the video's holder; returns the worker cached before (None if none)."""
    before = _holders.get(video_id)
    if worker and alive:
        _holders[video_id] = (worker, time.monotonic())
    else:
        _holders.pop(video_id, None)
    return before[0] if before else None


def target(video_id: int) -> str | None:
    """Where the video's commands go now: the inference worker holding its lease (None in the
    embedded mode). Raises ActionError(unavailable) when no worker is alive, so a caller asks
    before it stores anything."""
    if settings.SCALED_OUT:
        from webapp.realtime import leases

        hit = _holders.get(video_id)
        if hit and time.monotonic() - hit[1] < HOLDER_FRESH_S:
            return hit[0]
        worker = leases.registry().assign(video_id)
        note_holder(video_id, worker, True)
        return worker
    return None


def backlog(worker: str | None) -> int:
    """Commands (not propagations) waiting for `worker`, or for the embedded thread."""
    if settings.SCALED_OUT:
        from webapp.realtime import leases

        return leases.registry().pending(worker)[0]
    return inference_thread().queue.qsize()


def submit(cmd: dict, worker: str | None = None) -> None:
    """Queue `cmd` for the video's session, on `worker` when the caller already asked target()."""
    if settings.SCALED_OUT:
        from webapp.realtime import leases

        reg = leases.registry()
        reg.publish(worker or reg.assign(cmd["video_id"]), cmd, background=cmd["op"] == "propagate")
    else:
        inference_thread().put(cmd)
