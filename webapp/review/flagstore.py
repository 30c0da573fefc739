"""Stored quality flags: load a masklet's stored features (area, box, object score, SAM 2's
predicted IoU, forward/backward agreement, prompted frames), score them with
webapp.review.quality, replace the flags in the range that changed, and tell the room
(`flags`). The inference runner calls `masks_stored` after each batch of
masks it committed; reads call `ensure_current`, which rescores a whole video whose masks
changed without the hook (imports).

Scoring is kept off the inference thread: the runner calls `schedule`, which merges batches per
masklet and scores them on one background thread once no batch came for FLAGS_DEFER_S seconds
(so not while a propagation runs, at most every 20 FLAGS_DEFER_S during a long one; 0 scores
at once, in the caller's thread). A batch lost with its process is caught by `ensure_current`,
since the stored `scored_seq` then lags the masks."""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Max

from webapp.annotations.models import FrameMask, Prompt
from webapp.realtime import events
from webapp.review import quality, wire
from webapp.review.models import FlagState, QualityFlag

log = logging.getLogger(__name__)
CONTEXT = 64  # frames loaded beyond a changed range, for the neighbours' references
MAX_DEFER_DELAYS = 20  # a long propagation is scored at least every 20 FLAGS_DEFER_S (10 s)


def _track(object_id: int, lo: int | None = None, hi: int | None = None) -> quality.Track:
    masks = FrameMask.objects.filter(object_id=object_id)
    prompts = Prompt.objects.filter(object_id=object_id)
    if lo is not None:
        masks = masks.filter(frame__gte=lo, frame__lte=hi)
        prompts = prompts.filter(frame__gte=lo, frame__lte=hi)
    rows = list(masks.order_by("frame").values_list("frame", "area", "bbox", "score", "iou",
                                                    "agreement"))
    boxes = [b if isinstance(b, list) and len(b) == 4 else [0, 0, 0, 0] for _, _, b, *_ in rows]

    def known(k: int) -> list[float]:
        return [np.nan if r[k] is None else r[k] for r in rows]

    return quality.Track(
        frames=[r[0] for r in rows], area=[r[1] for r in rows],
        cx=[b[0] + b[2] / 2 for b in boxes], cy=[b[1] + b[3] / 2 for b in boxes],
        object_score=known(3), iou=known(4), agreement=known(5),
        prompted=sorted(set(prompts.values_list("frame", flat=True))))


def _replace(video_id: int, object_id: int, start: int | None, end: int | None,
             rows: list[dict]) -> None:
    old = QualityFlag.objects.filter(object_id=object_id)
    if start is not None:
        old = old.filter(frame__gte=start, frame__lte=end)
    old.delete()
    QualityFlag.objects.bulk_create(
        QualityFlag(video_id=video_id, object_id=object_id, frame=r["frame"], score=r["score"],
                    reasons=r["reasons"]) for r in rows)


def _emit(video_id: int, object_id: int, start: int, end: int, rows: list[dict]) -> None:
    event = wire.Flags(object_id=object_id, start=start, end=end,
                       frames=[wire.FlagOut(**r) for r in rows])
    events.emit(video_id, event.model_dump(mode="json"))


def rescore(video_id: int, object_id: int, lo: int, hi: int) -> tuple[int, int, list[dict]]:
    """Re-score the neighbourhood of frames [lo, hi] of one masklet; store and broadcast."""
    track = _track(object_id, max(0, lo - CONTEXT), hi + CONTEXT)
    start, end = quality.affected_range(track.frames, lo, hi)
    rows = quality.score_track(track, start, end)
    with transaction.atomic():
        _replace(video_id, object_id, start, end, rows)
        _emit(video_id, object_id, start, end, rows)
    return start, end, rows


def masks_stored(video_id: int, seq: int, pairs, first_seq: int | None = None) -> None:
    """Hook after masks (object_id, frame) were committed under seqs `first_seq`..`seq` (one
    batch: both the same). Never raises: a failure here must not fail inference (the next read
    rescores the video instead)."""
    first_seq = seq if first_seq is None else first_seq
    try:
        by_object: dict[int, list[int]] = defaultdict(list)
        for object_id, frame in pairs:
            by_object[object_id].append(frame)
        state, _ = FlagState.objects.get_or_create(video_id=video_id)
        older = (FrameMask.objects.filter(video_id=video_id, seq__lt=first_seq)
                 .aggregate(m=Max("seq"))["m"] or 0)
        for object_id, frames in by_object.items():
            rescore(video_id, object_id, min(frames), max(frames))
        if older <= state.scored_seq:  # nothing unscored before this batch
            FlagState.objects.filter(pk=video_id, scored_seq__lt=seq).update(scored_seq=seq)
    except Exception:
        log.exception("quality flags of video %s were not updated", video_id)


class _Pending:
    """Batches not yet scored, merged per video: seq range and (object -> frame range)."""

    def __init__(self) -> None:
        self.first_seq: int | None = None
        self.seq = 0
        self.ranges: dict[int, list[int]] = {}

    def add(self, seq: int, pairs) -> None:
        self.first_seq = seq if self.first_seq is None else min(self.first_seq, seq)
        self.seq = max(self.seq, seq)
        for object_id, frame in pairs:
            r = self.ranges.setdefault(object_id, [frame, frame])
            r[0], r[1] = min(r[0], frame), max(r[1], frame)

    def pairs(self) -> list[tuple[int, int]]:
        return [(o, f) for o, (lo, hi) in self.ranges.items() for f in (lo, hi)]


class Rescorer(threading.Thread):
    """One background thread per process that scores merged batches (see the module doc)."""

    def __init__(self, delay_s: float) -> None:
        super().__init__(name="maskflow-flags", daemon=True)
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[int, _Pending] = {}
        self._scoring = False

    def idle(self) -> bool:
        with self._lock:
            return not self._pending and not self._scoring

    def add(self, video_id: int, seq: int, pairs) -> None:
        with self._lock:
            self._pending.setdefault(video_id, _Pending()).add(seq, pairs)
        self._wake.set()

    def run(self) -> None:
        while True:
            self._wake.wait()
            # Score once the batches stop coming for delay_s (a propagation's frames arrive
            # every few ms: scoring waits for its end instead of taking a core from it), but
            # never later than MAX_DEFER_DELAYS delays after the first one.
            first = time.monotonic()
            while True:
                self._wake.clear()
                if not self._wake.wait(self.delay_s):
                    break
                if time.monotonic() - first >= self.delay_s * MAX_DEFER_DELAYS:
                    break
            with self._lock:
                pending, self._pending = self._pending, {}
                self._scoring = True
            try:
                close_old_connections()
                for video_id, p in pending.items():
                    masks_stored(video_id, p.seq, p.pairs(), first_seq=p.first_seq)
            finally:
                connections.close_all()  # this thread's: it sleeps until the next propagation
                with self._lock:
                    self._scoring = False


_rescorer: Rescorer | None = None
_rescorer_lock = threading.Lock()


def schedule(video_id: int, seq: int, pairs) -> None:
    """The runner's hook: score the masks committed under `seq` soon, off the caller's thread."""
    global _rescorer
    if settings.FLAGS_DEFER_S <= 0:
        masks_stored(video_id, seq, pairs)
        return
    with _rescorer_lock:
        if _rescorer is None or not _rescorer.is_alive():
            _rescorer = Rescorer(settings.FLAGS_DEFER_S)
            _rescorer.start()
    _rescorer.add(video_id, seq, list(pairs))


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until nothing scheduled is left to score (tests, before they drop the database)."""
    deadline = time.monotonic() + timeout
    while _rescorer is not None and _rescorer.is_alive() and not _rescorer.idle():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def ensure_current(video) -> None:
    """Rescore every masklet of `video` when masks were stored that no hook scored (imports
    call it when they finish; reads of the flags too), and tell the room."""
    top = FrameMask.objects.filter(video=video).aggregate(m=Max("seq"))["m"] or 0
    state, _ = FlagState.objects.get_or_create(video=video)
    if top <= state.scored_seq:
        return
    end = max(video.num_frames - 1, 0)
    for object_id in video.masklets.filter(deleted=False).values_list("id", flat=True):
        rows = quality.score_track(_track(object_id))
        with transaction.atomic():
            _replace(video.pk, object_id, None, None, rows)
            _emit(video.pk, object_id, 0, max([end] + [r["frame"] for r in rows]), rows)
    FlagState.objects.filter(pk=video.pk, scored_seq__lt=top).update(scored_seq=top)


def flags_of(video) -> list[dict]:
    ensure_current(video)
    return [
        {"object_id": oid, "frame": f, "score": s, "reasons": r}
        for oid, f, s, r in QualityFlag.objects.filter(video=video, object__deleted=False)
        .order_by("object_id", "frame").values_list("object_id", "frame", "score", "reasons")
    ]
