"""Where inference commands go: the embedded inference thread, or (REDIS_URL set) the Celery
worker that holds the video's lease. Also the process's job control and applied-prompt
store (webapp.realtime.jobs), and what happens when a video's worker is found dead."""
from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from webapp.realtime import events, jobs, workers
from webapp.realtime.embedded import InferenceThread

log = logging.getLogger(__name__)

# --- process-wide singletons ------------------------------------------------------------------
_lock = threading.Lock()
_control = None
_applied = None
_thread: InferenceThread | None = None


def control():
    """Propagation job control: in memory (embedded) or in Redis (scaled out)."""
    global _control, _applied
    with _lock:
        if _control is None:
            if settings.SCALED_OUT:
                _control, _applied = jobs.RedisControl(), jobs.RedisApplied()
            else:
                _control, _applied = jobs.MemoryControl(), jobs.MemoryApplied()
        return _control


def applied():
    """The applied-prompt store: the highest prompt seq whose result was stored, per video."""
    control()
    return _applied


def inference_thread() -> InferenceThread:
    global _thread
    ctl = control()
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = InferenceThread(ctl, _applied)
            _thread.start()
        return _thread


# --- routing (scaled out) ---------------------------------------------------------------------
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


def lost(video_id: int, dead: str, heir: str) -> None:
    """`heir` holds the video now, after `dead`: drop `dead`'s queue unless it still beats
    (what it held replays elsewhere), end its propagations for the room (once, whoever reaps
    them), and have the heir answer every acknowledged prompt that has no masks yet. The one
    clean-up after a holder change, for a click (assign) and the room watchdog alike."""
    reg = workers.registry()
    if not reg.alive(dead):
        reg.forget(dead)
    events.worker_lost(video_id, control().reap(video_id))
    reg.catch_up(video_id, heir)


def assign(video_id: int) -> str:
    """The worker that runs the video's next command; when the lease just left a dead worker,
    clean up after it (lost). Raises Refusal(unavailable) when no worker is alive."""
    worker, prev = workers.registry().lease(video_id)
    if prev and prev != worker:
        log.warning("video %s moved from dead worker %s to %s", video_id, prev, worker)
        lost(video_id, prev, worker)
    return worker


def target(video_id: int) -> str | None:
    """Where the video's commands go now: the inference worker holding its lease (None in the
    embedded mode). Raises Refusal(unavailable) when no worker is alive, so a caller asks
    before it stores anything."""
    if settings.SCALED_OUT:
        hit = _holders.get(video_id)
        if hit and time.monotonic() - hit[1] < HOLDER_FRESH_S:
            return hit[0]
        worker = assign(video_id)
        note_holder(video_id, worker, True)
        return worker
    return None


def backlog(worker: str | None) -> int:
    """Commands (not propagations) waiting for `worker`, or for the embedded thread."""
    if settings.SCALED_OUT:
        return workers.registry().pending(worker)[0]
    return inference_thread().queue.qsize()


def submit(cmd: dict, worker: str | None = None) -> None:
    """Queue `cmd` for the video's session, on `worker` when the caller already asked target()."""
    if settings.SCALED_OUT:
        workers.registry().publish(worker or assign(cmd["video_id"]), cmd,
                                   background=cmd["op"] == "propagate")
    else:
        inference_thread().put(cmd)
