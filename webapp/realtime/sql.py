"""The statements that run on every click, in plain SQL for SQLite and Postgres alike.

The ORM spends 1-4 ms of CPU building each of these queries on a small box, more than the
database takes to run them, and a click runs five of them on its way from the browser to the
model and back (bench/RESULTS.md, "Realtime"). Everything else in the realtime app uses the ORM.
Table and column names come from the models, so a renamed field fails loudly here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.projects.models import Membership
from webapp.videos.models import Video


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _json_in(value):
    return connection.ops.adapt_json_value(value, None)


def _json_out(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


@dataclass
class VideoAccess:
    """What a realtime action needs to know about a video before it changes anything."""

    id: int
    project_id: int
    status: str
    num_frames: int
    width: int
    height: int
    seq: int
    role: str | None  # the user's membership role, None when not a member
    live: bool  # whether the object asked about is a live object of this video

    @property
    def pk(self) -> int:
        return self.id


def video_access(video_id: int, user_id: int, object_id: int | None = None) -> VideoAccess | None:
    """The video, the user's role in its project and whether `object_id` is a live object of
    it, in one query; None when there is no such video."""
    sql = (
        "SELECT v.project_id, v.status, v.num_frames, v.width, v.height, v.seq, "
        f"(SELECT m.role FROM {_t(Membership)} m WHERE m.project_id = v.project_id "
        "AND m.user_id = %s), "
        f"EXISTS (SELECT 1 FROM {_t(Object)} o WHERE o.id = %s AND o.video_id = v.id "
        "AND NOT o.deleted) "
        f"FROM {_t(Video)} v WHERE v.id = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [user_id, object_id or 0, video_id])
        row = cur.fetchone()
    if row is None:
        return None
    return VideoAccess(video_id, *row[:7], live=bool(row[7]))


def insert_prompt(video_id: int, seq: int, object_id: int, frame: int, kind: str, payload: dict,
                  user_id: int | None) -> None:
    """Store one prompt (the caller holds the transaction that allocated `seq`)."""
    sql = (f"INSERT INTO {_t(Prompt)} (video_id, seq, object_id, frame, kind, payload, user_id, "
           "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
    with connection.cursor() as cur:
        cur.execute(sql, [video_id, seq, object_id, frame, kind, _json_in(payload), user_id,
                          _now()])


@dataclass
class PromptRow:
    seq: int
    object_id: int
    frame: int
    kind: str
    payload: dict
    user_id: int | None
    deleted: bool  # the prompt's object was deleted since


def prompts_between(video_id: int, after: int, upto: int) -> list[PromptRow]:
    """The video's prompts with after < seq <= upto, in seq order."""
    sql = (
        "SELECT p.seq, p.object_id, p.frame, p.kind, p.payload, p.user_id, o.deleted "
        f"FROM {_t(Prompt)} p JOIN {_t(Object)} o ON o.id = p.object_id "
        "WHERE p.video_id = %s AND p.seq > %s AND p.seq <= %s ORDER BY p.seq"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [video_id, after, upto])
        rows = cur.fetchall()
    return [PromptRow(r[0], r[1], r[2], r[3], _json_out(r[4]), r[5], bool(r[6])) for r in rows]


def next_seq_all_live(video_id: int, ids) -> tuple[int, bool]:
    """annotations.seq.next_seq, plus whether all of `ids` are live objects of the video, in
    one statement (the caller holds the transaction)."""
    ids = sorted(ids)
    marks = ", ".join(["%s"] * len(ids)) or "NULL"
    sql = (f"UPDATE {_t(Video)} SET seq = seq + 1 WHERE id = %s RETURNING seq, "
           f"(SELECT count(*) FROM {_t(Object)} WHERE video_id = %s AND NOT deleted "
           f"AND id IN ({marks}))")
    with connection.cursor() as cur:
        cur.execute(sql, [video_id, video_id, *ids])
        row = cur.fetchone()
    if row is None:
        raise Video.DoesNotExist(f"video {video_id} does not exist")
    return int(row[0]), row[1] == len(ids)


def live_objects(video_id: int, ids) -> set[int]:
    """Which of `ids` are live (not deleted) objects of the video."""
    ids = sorted(ids)
    if not ids:
        return set()
    marks = ", ".join(["%s"] * len(ids))
    sql = (f"SELECT id FROM {_t(Object)} WHERE video_id = %s AND NOT deleted "
           f"AND id IN ({marks})")
    with connection.cursor() as cur:
        cur.execute(sql, [video_id, *ids])
        return {r[0] for r in cur.fetchall()}


MASK_COLUMNS = ("object_id", "video_id", "frame", "rle", "area", "bbox", "score", "source",
                "seq", "author_id", "updated_at")


def upsert_masks(rows: list[tuple]) -> None:
    """Insert or replace FrameMask rows given as tuples in MASK_COLUMNS order without
    updated_at (one row per (object, frame); the last write wins)."""
    if not rows:
        return
    now = _now()
    one = "(" + ", ".join(["%s"] * len(MASK_COLUMNS)) + ")"
    updates = ", ".join(f"{c} = excluded.{c}" for c in MASK_COLUMNS[3:])
    sql = (f"INSERT INTO {_t(FrameMask)} ({', '.join(MASK_COLUMNS)}) VALUES "
           + ", ".join([one] * len(rows))
           + f" ON CONFLICT (object_id, frame) DO UPDATE SET {updates}")
    params: list = []
    for object_id, video_id, frame, rle, area, bbox, score, source, seq, author_id in rows:
        params += [object_id, video_id, frame, _json_in(rle), area, _json_in(bbox), score, source,
                   seq, author_id, now]
    with connection.cursor() as cur:
        cur.execute(sql, params)
