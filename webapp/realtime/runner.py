"""The adapter between the database/channel layer and the SAM 2 engine, used by both the
embedded inference thread and the Celery inference worker.

Commands are small dicts (see actions.py). The prompt log in the database is the truth: a
`prompt` command means "apply every stored prompt up to this seq", so a session that was
evicted, or a worker that took over a dead one's video, catches up by replaying the log, and
prompts whose results were never stored (above the `applied` store's high-water mark) get
answered then.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connections

from webapp.annotations.models import Object, Prompt
from webapp.ops import metrics
from webapp.realtime import events, sql, trace
from webapp.review import flagstore
from webapp.videos.frame_cache import frame_bytes
from webapp.videos.models import Video

log = logging.getLogger(__name__)

SLICE_FRAMES = 16  # a propagation yields to another video's after this many frames
FLUSH_FRAMES = 16  # propagation results are stored and broadcast in batches of at most
FLUSH_S = 0.1  # this many frames or this many seconds
UPSERT_ROWS = 1000  # mask rows per INSERT (SQLite allows 32766 parameters, 14 per row)


_model = None
_model_lock = threading.Lock()


def engine_config():
    """The engine's configuration, from settings (the one source)."""
    from inference import EngineConfig

    return EngineConfig(model=settings.SAM2_MODEL, checkpoint=settings.SAM2_CHECKPOINT or None,
                        device=settings.SAM2_DEVICE or None, compile=settings.SAM2_COMPILE,
                        torch_threads=settings.SAM2_TORCH_THREADS or None)


def get_model():
    """The process's SAM 2 model, loaded once."""
    global _model
    with _model_lock:
        if _model is None:
            from inference import load_model

            cfg = engine_config()
            _model = load_model(cfg)
        return _model


@dataclass
class _Meta:
    session: object
    applied: int  # highest prompt seq applied to this session


def _record(pr: Prompt):
    from inference import PromptRecord

    d = pr.payload
    if pr.kind == "mask":
        return PromptRecord(kind="mask", object_id=pr.object_id, frame=pr.frame, rle=d["rle"])
    return PromptRecord(kind=pr.kind, object_id=pr.object_id, frame=pr.frame,
                        points=d.get("points"), labels=d.get("labels"), box=d.get("box"),
                        clear_old=bool(d.get("clear_old")))


def _with_agreement(video_id: int, rows: list, direction: str) -> list:
    """The rows, each with its IoU against the stored mask the other direction propagated."""
    from inference import rle_iou

    other = sql.other_direction(video_id, [(r.object_id, r.frame) for r in rows], direction)
    if not other:
        return rows
    return [r._replace(agreement=rle_iou(r.rle, other[(r.object_id, r.frame)]))
            if (r.object_id, r.frame) in other else r for r in rows]


def _apply(session, pr: sql.PromptRow):
    """Give one stored prompt to the session; returns its FrameResult."""
    if pr.kind == "mask":
        from inference import decode_rle

        return session.add_mask(pr.object_id, pr.frame, decode_rle(pr.payload["rle"]))
    d = pr.payload
    trace.stamp("wrk.engine")
    return session.add_prompt(pr.object_id, pr.frame, points=d.get("points"),
                              labels=d.get("labels"), box=d.get("box"),
                              clear_old=bool(d.get("clear_old")))


class Writer(threading.Thread):
    """Stores and broadcasts propagation results in order, off the engine's thread, so the
    next frame is tracked while the last ones are written (about 2 ms a frame here)."""

    def __init__(self) -> None:
        super().__init__(name="maskflow-writer", daemon=True)
        self.queue: queue.Queue = queue.Queue()
        self._start_lock = threading.Lock()

    def put(self, fn: Callable[[], None]) -> None:
        with self._start_lock:
            if not self.is_alive():
                self.start()
        self.queue.put(fn)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until everything put so far is written (at most `timeout` seconds)."""
        if not self.is_alive():
            return True
        if timeout is None:
            self.queue.join()
            return True
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.queue.unfinished_tasks

    def run(self) -> None:
        while True:
            fn = self.queue.get()
            try:
                close_old_connections()
                fn()
            except Exception:
                log.exception("writing propagation results failed")
            finally:
                self.queue.task_done()


class Runner:
    """Holds this process's sessions (LRU under a memory budget) and runs commands on them."""

    def __init__(self, control, applied) -> None:
        from inference import SessionStore

        self.control, self.applied = control, applied
        self.store = SessionStore(settings.SESSION_BUDGET_MB << 20, settings.SESSION_IDLE_TTL_S)
        self._meta: dict[int, _Meta] = {}
        self._names: dict[int, str | None] = {}
        self.writer = Writer()
        self._tuner = None
        metrics.watch_sessions(self.store)

    @property
    def tuner(self):
        """The model thread's torch thread count (inference.threads.ThreadTuner), used from
        the thread that runs the model: torch's count is per calling thread."""
        if self._tuner is None:
            from inference import features, tuner_for

            ahead = features.wanted(get_model().device)  # its encoder thread keeps a core busy
            self._tuner = tuner_for(engine_config().torch_threads, reserved=1 if ahead else 0)
        return self._tuner

    def close_db(self) -> None:
        """Close this runner's database connections, the writer's included (tests)."""
        self.writer.put(connections.close_all)
        self.writer.drain()
        connections.close_all()

    # -- sessions ------------------------------------------------------------------------
    def _username(self, user_id: int | None) -> str | None:
        if user_id not in self._names:
            self._names[user_id] = (get_user_model().objects.filter(pk=user_id)
                                    .values_list("username", flat=True).first())
        return self._names[user_id]

    def meta(self, video_id: int) -> _Meta:
        from inference import JpegFrameSource, Session

        self.store.evict_idle()
        for vid in [v for v in self._meta if v not in self.store]:
            del self._meta[vid]  # evicted: drop our reference too, or memory never frees
        session = self.store.get(video_id)
        m = self._meta.get(video_id)
        if m is not None and m.session is session:
            return m
        video = Video.objects.get(pk=video_id)
        model = get_model()

        def load(n: int, _v=video) -> bytes:
            return frame_bytes(_v, n)  # S3: through the local frame cache

        def factory():
            frames = JpegFrameSource(load, video.num_frames, video.width, video.height,
                                     model.info.image_size)
            return Session(model, frames)

        session = self.store.get_or_create(video_id, factory)
        upto = self.applied.get(video_id)
        log.info("building session for video %s: replaying prompts up to seq %s", video_id, upto)
        log_rows = (Prompt.objects.filter(video_id=video_id, seq__lte=upto, object__deleted=False)
                    .order_by("seq"))
        session.replay([_record(pr) for pr in log_rows.iterator()])
        m = self._meta[video_id] = _Meta(session=session, applied=upto)
        return m

    def catch_up(self, video_id: int, upto: int, reply_to: str | None = None) -> _Meta:
        """Apply stored prompts with applied < seq <= upto; store and broadcast each result."""
        from inference import InvalidPrompt

        m = self.meta(video_id)
        if upto <= m.applied:
            return m
        for pr in sql.prompts_between(video_id, m.applied, upto):
            if not pr.deleted:
                try:
                    res = _apply(m.session, pr)
                except InvalidPrompt as exc:
                    log.warning("prompt seq %s of video %s refused: %s", pr.seq, video_id, exc)
                    if reply_to and pr.seq == upto:
                        code = "out_of_range" if "range" in type(exc).__name__.lower() else "bad_message"
                        events.reply(reply_to, events.error_event(code, str(exc)))
                else:
                    trace.stamp("wrk.engined")
                    mine = [om for om in res.masks if om.object_id == pr.object_id]
                    self.writer.drain()  # propagation results first: the last write wins
                    self.store_masks(video_id, [(pr.frame, mine)], "prompt", pr.user_id)
            m.applied = pr.seq
            self.applied.set(video_id, pr.seq)
        return m

    # -- results -------------------------------------------------------------------------
    def store_masks(self, video_id: int, frames: list, source: str, user_id: int | None,
                    direction: str = "") -> int | None:
        """Upsert (frame, [ObjectMask]) results under new seqs (one per UPSERT_ROWS rows) and
        broadcast each stored frame once it is committed. Returns the last seq, if any.
        A propagation's `direction` ("f"/"b") is stored with its masks; where one replaces a
        mask the other direction propagated, their IoU is stored too (a quality-flag input)."""
        by = self._username(user_id)
        rows = [sql.MaskRow(om.object_id, frame, om.rle, om.area, om.bbox, om.score, source,
                            user_id, om.iou, direction)
                for frame, oms in frames for om in oms]
        if direction:
            rows = _with_agreement(video_id, rows, direction)
        last = None
        for i in range(0, len(rows), UPSERT_ROWS):
            seq, stored = sql.store_masks(video_id, rows[i:i + UPSERT_ROWS])
            if seq is None:
                continue
            last = seq
            batch = []
            for frame, oms in frames:
                oms = [om for om in oms if (om.object_id, frame) in stored]
                if oms:
                    batch.append(events.masks_event(seq, frame, source, by, [
                        {"object_id": om.object_id, "rle": om.rle, "score": om.score}
                        for om in oms]))
            trace.stamp("wrk.stored")
            if batch:
                # Outside a transaction (as the runner always is) this sends now.
                events.emit_many(video_id, batch)
                flagstore.schedule(video_id, seq, stored)  # re-score the neighbourhood, later
        return last

    # -- commands ------------------------------------------------------------------------
    def handle(self, cmd: dict) -> None:
        op, vid = cmd["op"], cmd.get("video_id")
        if op == "prompt":
            self.catch_up(vid, cmd["seq"], cmd.get("reply_to"))
            metrics.click_answered(cmd)
        elif op == "delete":
            m = self._meta.get(vid)
            if m is not None and self.store.get(vid) is m.session:
                m.session.remove_object(cmd["object_id"])
        elif op == "reset":
            self.reset_objects(vid, cmd["object_ids"], cmd["before"], cmd["seq"])
        elif op == "warm":
            get_model()
        else:
            raise ValueError(f"unknown command {op!r}")

    def reset_objects(self, video_id: int, object_ids: list[int], before: int, upto: int) -> None:
        """After a masklet operation (seqs before+1..upto): apply and answer the prompts before
        it, then drop the objects from the session and re-apply their stored prompts, storing
        nothing (the operation stored their masks). Without a session nothing is needed: the
        next one is built from the prompt log, which already says it all."""
        from inference import InvalidPrompt

        m = self._meta.get(video_id)
        if m is None or self.store.get(video_id) is not m.session:
            return
        m = self.catch_up(video_id, before)
        top = max(upto, m.applied)
        for oid in object_ids:
            m.session.remove_object(oid)
        for pr in sql.prompts_between(video_id, 0, top):
            if pr.object_id in object_ids and not pr.deleted:
                try:
                    _apply(m.session, pr)
                except InvalidPrompt as exc:
                    log.warning("prompt seq %s of video %s refused: %s", pr.seq, video_id, exc)
        m.applied = top
        self.applied.set(video_id, top)

    def _done(self, job: dict, cancelled: bool, reason: str | None) -> None:
        """End `job` for the room, after the writer has stored its last frames."""
        msg = events.done_event(cancelled, reason, job["done"], job["total"], job["by"],
                                job["job_id"])

        def done():
            self.control.clear_active(job["video_id"], job["job_id"])
            events.emit(job["video_id"], msg)

        self.writer.put(done)

    def propagate(self, job: dict, should_yield: Callable[[int], bool]) -> dict | None:
        """Run `job` until it ends, is cancelled, or `should_yield(frames_done_now)` says another
        command is waiting. Returns the continuation job in the last case, else None."""
        done_before, t0 = job["done"], time.monotonic()
        try:
            return self._propagate(job, should_yield)
        except Exception:
            self._done(job, True, "failed")  # the room must not wait for it forever
            raise
        finally:
            metrics.propagated(job["done"] - done_before, time.monotonic() - t0)

    def _propagate(self, job: dict, should_yield: Callable[[int], bool]) -> dict | None:
        from inference import InvalidPrompt

        vid, job_id = job["video_id"], job["job_id"]
        reason = self.control.cancelled(vid, job_id)
        if reason:
            self._done(job, True, reason)
            return None
        self.control.set_active(vid, job_id, job)
        m = self.catch_up(vid, job["seq"])
        live = set(Object.objects.filter(video_id=vid, deleted=False).values_list("pk", flat=True))
        objects = [o for o in job["object_ids"] if o in live and o in m.session.object_ids]
        if not objects:
            self._done(job, False, None)
            return None
        processed = 0
        stop: list = []

        def cancel() -> bool:
            r = self.control.cancelled(vid, job_id)
            if r:
                stop.append(("cancel", r))
                return True
            if processed and should_yield(processed):
                stop.append(("yield", None))
                return True
            return False

        batch: list = []
        last_flush = time.monotonic()
        self.tuner.start()

        def flush(direction: str):
            nonlocal batch, last_flush
            if batch:
                frames = [(r.frame, r.masks) for r in batch]
                progress = events.progress_event(job, batch[-1].frame)
                way = "b" if direction == "backward" else "f"

                def write():
                    self.store_masks(vid, frames, "propagation", job["user_id"], way)
                    events.emit(vid, progress)

                self.writer.put(write)
            batch, last_flush = [], time.monotonic()

        while job["legs"]:
            start, direction, n = job["legs"][0]
            consumed = 0
            if n > 0:
                try:
                    for res in m.session.propagate(start_frame=start, direction=direction,
                                                   max_frames=n, objects=objects, cancel=cancel):
                        self.tuner.tick(len(objects))
                        consumed += 1
                        processed += 1
                        job["done"] += 1
                        batch.append(res)
                        if len(batch) >= FLUSH_FRAMES or time.monotonic() - last_flush >= FLUSH_S:
                            flush(direction)
                except InvalidPrompt as exc:
                    log.warning("propagation of video %s failed: %s", vid, exc)
                    flush(direction)
                    self._done(job, True, "failed")
                    return None
            flush(direction)
            if not stop:
                job["legs"].pop(0)
                continue
            step = 1 if direction == "forward" else -1
            job["legs"][0] = [start + step * consumed, direction, n - consumed]
            kind, why = stop[0]
            if kind == "cancel":
                self._done(job, True, why)
                return None
            return job
        self._done(job, False, None)
        return None
