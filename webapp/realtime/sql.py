"""The statements that run on every click, in plain SQL for SQLite and Postgres alike.

The ORM spends 1-4 ms of CPU building each of these queries on a small box, more than the
database takes to run them, and a click runs four of them on its way from the browser to the
model and back (bench/RESULTS.md, "Realtime"): video_access and append_prompt on the server,
prompts_between and store_masks on the worker. On Postgres the writes are single statements
(the seq and the row in one round trip); elsewhere they are short transactions, and
tests/realtime/test_sql.py runs both forms. Everything else in the realtime app uses the ORM.
Table and column names come from the models, so a renamed field fails loudly here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.annotations.seq import next_seq
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


def append_prompt(video_id: int, object_id: int, frame: int, kind: str, payload: dict,
                  user_id: int | None, portable: bool = False) -> int:
    """Give the video its next seq and store the prompt under it, atomically; returns the seq.
    On Postgres one statement (a single round trip), elsewhere a short transaction."""
    cols = "video_id, seq, object_id, frame, kind, payload, user_id, created_at"
    values = [object_id, frame, kind, _json_in(payload), user_id, _now()]
    if connection.vendor == "postgresql" and not portable:
        with connection.cursor() as cur:
            cur.execute(
                f"WITH s AS (UPDATE {_t(Video)} SET seq = seq + 1 WHERE id = %s RETURNING seq) "
                f"INSERT INTO {_t(Prompt)} ({cols}) SELECT %s, s.seq, %s, %s, %s, %s, %s, %s "
                "FROM s RETURNING seq", [video_id, video_id, *values])
            row = cur.fetchone()
        if row is None:
            raise Video.DoesNotExist(f"video {video_id} does not exist")
        return int(row[0])
    with transaction.atomic():
        seq = next_seq(video_id)
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {_t(Prompt)} ({cols}) VALUES "
                        "(%s, %s, %s, %s, %s, %s, %s, %s)", [video_id, seq, *values])
    return seq


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


class MaskRow(NamedTuple):
    """One FrameMask row to store. The last three are the quality-flag inputs the engine
    gives (webapp.review.flagstore): SAM 2's predicted IoU, the propagation's direction
    ("f"/"b"), and the IoU with the other direction's mask it replaced."""

    object_id: int
    frame: int
    rle: dict
    area: int
    bbox: list
    score: float | None
    source: str
    author_id: int | None
    iou: float | None = None
    direction: str = ""
    agreement: float | None = None


_MASK_SET = ("rle", "area", "bbox", "score", "source", "author_id", "iou", "direction",
             "agreement", "seq", "updated_at")
_MASK_COLS = "object_id, video_id, frame, " + ", ".join(_MASK_SET)
# Postgres types of the VALUES columns (a column of NULLs would otherwise be text): object_id,
# frame, then _MASK_SET up to seq.
_PG_TYPES = ("bigint", "integer", "jsonb", "integer", "jsonb", "double precision", "varchar",
             "bigint", "double precision", "varchar", "double precision")


def _values(r: MaskRow) -> list:
    return [r.object_id, r.frame, _json_in(r.rle), r.area, _json_in(r.bbox), r.score, r.source,
            r.author_id, r.iou, r.direction, r.agreement]


def store_masks(video_id: int, rows: list[tuple],
                portable: bool = False) -> tuple[int | None, set[tuple[int, int]]]:
    """Upsert mask rows (MaskRow, or plain tuples of its first eight fields; one per (object,
    frame): the last write wins) under the video's next seq, skipping objects deleted
    meanwhile. Returns (seq, {(object_id, frame) stored}); seq is None when nothing was stored.
    On Postgres one statement, elsewhere a short transaction. At most ~2400 rows per call
    (SQLite's parameter limit)."""
    if not rows:
        return None, set()
    rows = [r if isinstance(r, MaskRow) else MaskRow(*r) for r in rows]
    now = _now()
    width = len(_PG_TYPES)
    sets = ", ".join(f"{c} = excluded.{c}" for c in _MASK_SET)
    if connection.vendor == "postgresql" and not portable:
        one = "(" + ", ".join(["%s"] * width) + ")"
        cast = ", ".join(f"v.column{i + 1}::{t}" for i, t in enumerate(_PG_TYPES))
        picked = ", ".join(f"v.column{i}" for i in range(3, width + 1))
        sql = (
            f"WITH s AS (UPDATE {_t(Video)} SET seq = seq + 1 WHERE id = %s RETURNING seq), "
            f"v AS (SELECT {cast} FROM (VALUES {', '.join([one] * len(rows))}) v) "
            f"INSERT INTO {_t(FrameMask)} ({_MASK_COLS}) "
            f"SELECT v.column1, %s, v.column2, {picked}, s.seq, %s FROM s, v "
            f"WHERE v.column1 IN (SELECT id FROM {_t(Object)} WHERE video_id = %s AND NOT deleted) "
            f"ON CONFLICT (object_id, frame) DO UPDATE SET {sets} "
            "RETURNING seq, object_id, frame"
        )
        params: list = [video_id]
        for r in rows:
            params += _values(r)
        params += [video_id, now, video_id]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            got = cur.fetchall()
        if not got:
            return None, set()
        return int(got[0][0]), {(r[1], r[2]) for r in got}
    with transaction.atomic():
        seq = next_seq(video_id)
        live = live_objects(video_id, {r.object_id for r in rows})
        rows = [r for r in rows if r.object_id in live]
        if not rows:
            transaction.set_rollback(True)
            return None, set()
        one = "(" + ", ".join(["%s"] * (width + 3)) + ")"
        params = []
        for r in rows:
            v = _values(r)
            params += [v[0], video_id, *v[1:], seq, now]
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {_t(FrameMask)} ({_MASK_COLS}) VALUES "
                        + ", ".join([one] * len(rows))
                        + f" ON CONFLICT (object_id, frame) DO UPDATE SET {sets}", params)
    return seq, {(r.object_id, r.frame) for r in rows}


def other_direction(video_id: int, pairs, direction: str) -> dict[tuple[int, int], dict]:
    """The stored masks of `pairs` ((object_id, frame)) that a propagation in the other
    direction than `direction` ("f"/"b") wrote: {(object_id, frame): rle}."""
    pairs = set(pairs)
    if not pairs or direction not in ("f", "b"):
        return {}
    objects = sorted({o for o, _ in pairs})
    frames = [f for _, f in pairs]
    marks = ", ".join(["%s"] * len(objects))
    sql = (f"SELECT object_id, frame, rle FROM {_t(FrameMask)} WHERE video_id = %s "
           f"AND object_id IN ({marks}) AND frame BETWEEN %s AND %s AND source = 'propagation' "
           "AND direction = %s")
    with connection.cursor() as cur:
        cur.execute(sql, [video_id, *objects, min(frames), max(frames),
                          "b" if direction == "f" else "f"])
        got = cur.fetchall()
    return {(o, f): _json_out(rle) for o, f, rle in got if (o, f) in pairs}
