"""The embedded mode's inference thread (no REDIS_URL): one per web process, running the
Runner beside the event loop."""
from __future__ import annotations

import logging
import queue
import threading
from collections import deque

from django.db import close_old_connections

from webapp.realtime.runner import SLICE_FRAMES, Runner, engine_config

log = logging.getLogger(__name__)


class InferenceThread(threading.Thread):
    """One per process. Prompts run between two frames of any propagation; propagations of
    different videos take turns every SLICE_FRAMES frames; a propagation of the same video resumes
    after the prompt at its next frame."""

    def __init__(self, control, applied) -> None:
        super().__init__(name="maskflow-inference", daemon=True)
        self.control, self.applied = control, applied
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
        return not self.queue.empty() or (bool(self.active) and processed >= SLICE_FRAMES)

    def run(self) -> None:
        from inference import configure_torch_threads  # torch loads here, not at import

        # Off the main thread a second OpenMP team halves torch's speed unless it runs one
        # intra-op thread (DESIGN.md "threading trap"; bench/bench_realtime.py measures it).
        configure_torch_threads(engine_config().torch_threads, off_main_thread=True)
        self.runner = Runner(self.control, self.applied)
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
