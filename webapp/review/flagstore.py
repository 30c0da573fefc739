"""Stored quality flags: load a masklet's stored features (area, box, object score, prompted
frames), score them with webapp.review.quality, replace the flags in the range that changed,
and tell the room (`flags`). The inference runner calls `masks_stored` after each batch of
masks it committed; reads call `ensure_current`, which rescores a whole video whose masks
changed without the hook (imports)."""
from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Max

from webapp.annotations.models import FrameMask, Prompt
from webapp.realtime import events
from webapp.review import quality, wire
from webapp.review.models import FlagState, QualityFlag

log = logging.getLogger(__name__)
CONTEXT = 64  # frames loaded beyond a changed range, for the neighbours' references


def _track(object_id: int, lo: int | None = None, hi: int | None = None) -> quality.Track:
    masks = FrameMask.objects.filter(object_id=object_id)
    prompts = Prompt.objects.filter(object_id=object_id)
    if lo is not None:
        masks = masks.filter(frame__gte=lo, frame__lte=hi)
        prompts = prompts.filter(frame__gte=lo, frame__lte=hi)
    rows = list(masks.order_by("frame").values_list("frame", "area", "bbox", "score"))
    boxes = [b if isinstance(b, list) and len(b) == 4 else [0, 0, 0, 0] for _, _, b, _ in rows]
    return quality.Track(
        frames=[r[0] for r in rows], area=[r[1] for r in rows],
        cx=[b[0] + b[2] / 2 for b in boxes], cy=[b[1] + b[3] / 2 for b in boxes],
        object_score=[np.nan if r[3] is None else r[3] for r in rows],
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


def masks_stored(video_id: int, seq: int, pairs) -> None:
    """Hook after masks (object_id, frame) were committed under `seq`. Never raises: a failure
    here must not fail inference (the next read rescores the video instead)."""
    try:
        by_object: dict[int, list[int]] = defaultdict(list)
        for object_id, frame in pairs:
            by_object[object_id].append(frame)
        state, _ = FlagState.objects.get_or_create(video_id=video_id)
        older = (FrameMask.objects.filter(video_id=video_id, seq__lt=seq)
                 .aggregate(m=Max("seq"))["m"] or 0)
        for object_id, frames in by_object.items():
            rescore(video_id, object_id, min(frames), max(frames))
        if older <= state.scored_seq:  # nothing unscored before this batch
            FlagState.objects.filter(pk=video_id, scored_seq__lt=seq).update(scored_seq=seq)
    except Exception:
        log.exception("quality flags of video %s were not updated", video_id)


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
