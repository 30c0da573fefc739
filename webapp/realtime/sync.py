"""What a client is sent on connect (snapshot) and on `sync {since_seq}` (every change after
it, as the same messages as live, read in keyset chunks so memory stays flat)."""
from __future__ import annotations

import heapq
from typing import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime.events import masks_event, object_event, object_out, prompt_added_event
from webapp.videos.models import Video

SYNC_CHUNK = 500


def snapshot(video: Video) -> dict:
    objects = [object_out(o) for o in
               Object.objects.filter(video_id=video.pk, deleted=False).select_related("label")]
    seq = Video.objects.filter(pk=video.pk).values_list("seq", flat=True).first() or 0
    return {"seq": seq, "objects": objects}


def current_seq(video_id: int) -> int:
    return Video.objects.filter(pk=video_id).values_list("seq", flat=True).first() or 0


def model_info() -> dict:
    # Mirrors inference.load_model: no checkpoint means random weights (random-tiny always).
    return {"name": settings.SAM2_MODEL, "random_weights": not settings.SAM2_CHECKPOINT}


def video_info(video: Video) -> dict:
    return {"id": video.pk, "num_frames": video.num_frames, "width": video.width,
            "height": video.height, "fps": video.fps, "status": video.status}


def _usernames(ids: set) -> dict:
    ids.discard(None)
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def _chunks(qs, order: tuple[str, ...] = ("seq", "pk"), chunk: int = SYNC_CHUNK) -> Iterator:
    """Keyset pagination in `order` (unique): memory stays flat however long the video."""
    last = None
    while True:
        page = qs
        if last is not None:
            after = Q()
            for i, field in enumerate(order):
                after |= Q(**{f"{f}": last[j] for j, f in enumerate(order[:i])},
                           **{f"{field}__gt": last[i]})
            page = qs.filter(after)
        rows = list(page.order_by(*order)[:chunk])
        if not rows:
            return
        yield from rows
        last = tuple(getattr(rows[-1], f) for f in order)


def sync_events(video_id: int, since_seq: int) -> Iterator[dict]:
    """Every change after since_seq, in seq order, as live messages (see docs/protocol.md).

    A generator that reads the database in chunks; the caller sends as it goes. Three
    sorted streams (objects, prompts, masks) are merged by seq."""

    objects = _chunks(Object.objects.filter(video_id=video_id, seq__gt=since_seq)
                      .select_related("label"))
    prompts = _chunks(Prompt.objects.filter(video_id=video_id, seq__gt=since_seq)
                      .exclude(object__deleted=True))
    masks = _chunks(FrameMask.objects.filter(video_id=video_id, seq__gt=since_seq)
                    .exclude(object__deleted=True)
                    .only("pk", "seq", "frame", "object_id", "rle", "score", "source", "author_id"),
                    order=("seq", "frame", "object_id"))
    names: dict = {}

    def name(uid):
        if uid not in names:
            names.update(_usernames({uid}) or {uid: None})
        return names.get(uid)

    def tagged(it, kind):
        for row in it:
            yield (row.seq, kind, (row.frame, row.object_id) if kind == 2 else (row.pk,), row)

    pending: tuple | None = None  # (seq, frame, source, by, [mask dicts])
    for seq, kind, _, row in heapq.merge(tagged(objects, 0), tagged(prompts, 1),
                                          tagged(masks, 2)):
        if kind != 2 or (pending and (pending[0], pending[1]) != (seq, row.frame)):
            if pending:
                yield masks_event(*pending)
                pending = None
        if kind == 0:
            yield object_event("object.deleted" if row.deleted else "object.created", row,
                               name(row.created_by_id))
        elif kind == 1:
            yield prompt_added_event(row, name(row.user_id))
        else:
            if pending is None:
                pending = (seq, row.frame, row.source, name(row.author_id), [])
            pending[4].append({"object_id": row.object_id, "rle": row.rle, "score": row.score})
    if pending:
        yield masks_event(*pending)
