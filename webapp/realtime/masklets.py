"""Masklet operations: split, merge, clear a frame range, duplicate (docs/protocol.md,
"Masklet operations").

Each is one transaction under the video's seq lock: new prompt rows (copies under new seqs,
and empty-mask resets), then the mask rows (`source: "edit"`, an empty RLE where a mask was
taken away) under one more seq per chunk, so the events sent live are exactly what `sync`
replays. After commit the video's inference worker resets the objects concerned (runner op
`reset`): their SAM 2 memory goes and their stored prompts are re-applied.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from django.db import transaction

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.annotations.seq import next_seq
from webapp.projects.models import PALETTE
from webapp.realtime import dispatch, sql
from webapp.realtime import protocol as p
from webapp.realtime.actions import (Actor, ActionError, check_frame, live_object, load_video,
                                     require)
from webapp.realtime.events import emit, emit_many, masks_event, object_event, prompt_added_event
from webapp.review import flagstore

EMIT_FRAMES = 64  # masks events per layer message (a propagation batch is 16)
STORE_ROWS = 1000  # mask rows per sql.store_masks call (SQLite's parameter limit)


@lru_cache(maxsize=8)
def empty_rle(height: int, width: int) -> dict:
    from inference.rle import encode_mask  # torch-free

    return encode_mask(np.zeros((height, width), dtype=bool))


class _Op:
    """One operation's transaction: what it stores and, after commit, tells the room."""

    def __init__(self, actor: Actor, video: sql.VideoAccess):
        self.actor, self.video = actor, video
        self.first_seq: int | None = None
        self.last_seq = 0
        self.touched: set[int] = set()

    def seq(self) -> int:
        self.last_seq = next_seq(self.video.pk)
        if self.first_seq is None:
            self.first_seq = self.last_seq
        return self.last_seq

    def new_object(self, like: Object, name: str) -> Object:
        count = Object.objects.filter(video_id=self.video.pk).count()
        obj = Object.objects.create(
            video_id=self.video.pk, label=like.label, name=name[:200],
            created_by_id=self.actor.user_id, color=PALETTE[count % len(PALETTE)], seq=self.seq())
        emit(self.video.pk, object_event("object.created", obj, self.actor.username))
        self.touched.add(obj.pk)
        return obj

    def copy_prompts(self, rows, to_id: int) -> None:
        """The prompt rows (seq order) again for `to_id`, under new seqs, authored by nobody (so
        no annotator's click count grows)."""
        for row in rows:
            pr = Prompt.objects.create(video_id=self.video.pk, seq=self.seq(), object_id=to_id,
                                       frame=row.frame, kind=row.kind, payload=row.payload)
            emit(self.video.pk, prompt_added_event(pr, None))
        self.touched.add(to_id)

    def reset_prompts(self, object_id: int, frames) -> None:
        """An empty mask prompt on each frame whose prompts still count (as "clear frame")."""
        empty = empty_rle(self.video.height, self.video.width)
        last: dict[int, Prompt] = {}
        rows = Prompt.objects.filter(object_id=object_id, frame__in=list(frames))
        for pr in rows.order_by("seq"):
            last[pr.frame] = pr
        for frame in sorted(last):
            pr = last[frame]
            if pr.kind == "mask" and pr.payload.get("rle") == empty:
                continue  # already reset
            pr = Prompt.objects.create(video_id=self.video.pk, seq=self.seq(), object_id=object_id,
                                       frame=frame, kind="mask", payload={"rle": empty})
            emit(self.video.pk, prompt_added_event(pr, None))
        self.touched.add(object_id)

    def store(self, rows: list[tuple[int, int, dict, int, list, float | None]]) -> None:
        """Upsert (object_id, frame, rle, area, bbox, score) rows as `edit` masks; the room gets
        one `masks` event per (seq, frame), as sync replays them."""
        for i in range(0, len(rows), STORE_ROWS):
            chunk = [(*r, "edit", self.actor.user_id) for r in rows[i:i + STORE_ROWS]]
            seq, stored = sql.store_masks(self.video.pk, chunk)
            if seq is None:
                continue
            self.last_seq = seq
            by_frame: dict[int, list[dict]] = {}
            for oid, frame, rle, _area, _bbox, score, *_ in chunk:
                if (oid, frame) in stored:
                    by_frame.setdefault(frame, []).append(
                        {"object_id": oid, "rle": rle, "score": score})
            events = [masks_event(seq, f, "edit", self.actor.username, ms)
                      for f, ms in sorted(by_frame.items())]
            for j in range(0, len(events), EMIT_FRAMES):
                emit_many(self.video.pk, events[j:j + EMIT_FRAMES])
            transaction.on_commit(
                lambda s=seq, st=stored: flagstore.masks_stored(self.video.pk, s, st))

    def emptied(self, object_id: int, masks) -> list[tuple]:
        empty = empty_rle(self.video.height, self.video.width)
        return [(object_id, m.frame, empty, 0, [0.0, 0.0, 0.0, 0.0], None) for m in masks]

    def finish(self) -> int:
        """After commit: supersede propagations of the objects, reset them on the worker."""
        vid, ids = self.video.pk, sorted(self.touched)
        cmd = {"op": "reset", "video_id": vid, "object_ids": ids, "seq": self.last_seq,
               "before": (self.first_seq or self.last_seq) - 1}

        def after():
            ctl = dispatch.control()
            ctl.cancel(vid, [j for j, m in ctl.actives(vid).items()
                             if set(m["object_ids"]) & set(ids)], "superseded")
            dispatch.submit(cmd)

        transaction.on_commit(after)
        return self.last_seq


def _masks(object_id: int, **frames):
    return list(FrameMask.objects.filter(object_id=object_id, area__gt=0, **frames)
                .only("frame", "rle", "area", "bbox", "score").order_by("frame"))


def _begin(actor: Actor, video_id: int):
    video = load_video(video_id, actor)
    require(actor, video, "annotate")
    return video


# --- the operations --------------------------------------------------------------------------
def split_object(actor: Actor, video_id: int, msg: p.ObjectSplit) -> int:
    video = _begin(actor, video_id)
    check_frame(video, msg.frame)
    with transaction.atomic():
        op = _Op(actor, video)
        op.seq()  # the video row first (lock order), then the object row
        src = live_object(video, msg.object_id, lock=True)
        new = op.new_object(src, f"{src.name or f'object {src.pk}'} (2)")
        moving = _masks(src.pk, frame__gte=msg.frame)
        prompts = list(Prompt.objects.filter(object_id=src.pk, frame__gte=msg.frame)
                       .order_by("seq"))
        op.copy_prompts(prompts, new.pk)
        op.reset_prompts(src.pk, {pr.frame for pr in prompts})
        rows = [(new.pk, m.frame, m.rle, m.area, m.bbox, m.score) for m in moving]
        op.store(rows + op.emptied(src.pk, moving))
        return op.finish()


def merge_objects(actor: Actor, video_id: int, msg: p.ObjectMerge) -> int:
    video = _begin(actor, video_id)
    if msg.object_id == msg.into_id:
        raise ActionError("bad_message", "into_id must be another object than object_id")
    with transaction.atomic():
        op = _Op(actor, video)
        op.seq()
        first, second = sorted((msg.object_id, msg.into_id))  # lock rows in id order
        live_object(video, first, lock=True), live_object(video, second, lock=True)
        src = Object.objects.get(pk=msg.object_id)
        taken = set(FrameMask.objects.filter(object_id=msg.into_id, area__gt=0)
                    .values_list("frame", flat=True))
        moving = [m for m in _masks(src.pk) if m.frame not in taken]
        prompts = [pr for pr in Prompt.objects.filter(object_id=src.pk).order_by("seq")
                   if pr.frame not in taken]
        op.copy_prompts(prompts, msg.into_id)
        op.store([(msg.into_id, m.frame, m.rle, m.area, m.bbox, m.score) for m in moving])
        src.deleted, src.seq = True, op.seq()
        src.save(update_fields=["deleted", "seq", "updated_at"])
        emit(video.pk, object_event("object.deleted", src, actor.username))
        op.touched |= {src.pk, msg.into_id}
        return op.finish()


def clear_masks(actor: Actor, video_id: int, msg: p.MasksClear) -> int:
    video = _begin(actor, video_id)
    check_frame(video, msg.start)
    check_frame(video, msg.end)
    if msg.start > msg.end:
        raise ActionError("out_of_range", f"start {msg.start} is after end {msg.end}")
    with transaction.atomic():
        op = _Op(actor, video)
        op.seq()
        obj = live_object(video, msg.object_id, lock=True)
        span = {"frame__gte": msg.start, "frame__lte": msg.end}
        frames = set(Prompt.objects.filter(object_id=obj.pk, **span)
                     .values_list("frame", flat=True))
        op.reset_prompts(obj.pk, frames)
        op.store(op.emptied(obj.pk, _masks(obj.pk, **span)))
        return op.finish()


def duplicate_object(actor: Actor, video_id: int, msg: p.ObjectDuplicate) -> int:
    video = _begin(actor, video_id)
    with transaction.atomic():
        op = _Op(actor, video)
        op.seq()
        src = live_object(video, msg.object_id, lock=True)
        new = op.new_object(src, f"{src.name or f'object {src.pk}'} copy")
        op.copy_prompts(list(Prompt.objects.filter(object_id=src.pk).order_by("seq")), new.pk)
        op.store([(new.pk, m.frame, m.rle, m.area, m.bbox, m.score) for m in _masks(src.pk)])
        return op.finish()
