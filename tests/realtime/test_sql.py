"""The realtime loop's plain-SQL statements (webapp/realtime/sql.py) against what the ORM sees.
The embedded stack test runs the same statements on SQLite."""
from __future__ import annotations

import pytest

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime import sql
from webapp.realtime.runner import UPSERT_ROWS

pytestmark = pytest.mark.django_db(transaction=True)

RLE = {"size": [120, 160], "counts": "PPYo1"}


def test_video_access_reads_role_and_object_liveness_in_one_go(room):
    video, users = room
    obj = Object.objects.create(video=video)
    gone = Object.objects.create(video=video, deleted=True)
    acc = sql.video_access(video.pk, users["annotator"].pk, obj.pk)
    assert (acc.project_id, acc.num_frames, acc.width, acc.height, acc.status) == (
        video.project_id, 24, 160, 120, "ready")
    assert acc.role == "annotator" and acc.live is True
    assert sql.video_access(video.pk, users["annotator"].pk, gone.pk).live is False
    other = Object.objects.create(video=type(video).objects.create(project=video.project, name="b"))
    assert sql.video_access(video.pk, users["annotator"].pk, other.pk).live is False
    assert sql.video_access(video.pk, users["outsider"].pk, obj.pk).role is None
    assert sql.video_access(987654, users["owner"].pk) is None


def test_prompts_round_trip_in_seq_order_with_their_objects_state(room):
    video, users = room
    a, b = Object.objects.create(video=video), Object.objects.create(video=video)
    payload = {"points": [[1.5, 2.0]], "labels": [1], "box": None, "clear_old": False}
    sql.insert_prompt(video.pk, 7, b.pk, 3, "point", payload, users["owner"].pk)
    sql.insert_prompt(video.pk, 5, a.pk, 0, "mask", {"rle": RLE}, None)
    Object.objects.filter(pk=b.pk).update(deleted=True)
    rows = sql.prompts_between(video.pk, 0, 10)
    assert [(r.seq, r.object_id, r.kind, r.deleted) for r in rows] == [
        (5, a.pk, "mask", False), (7, b.pk, "point", True)]
    assert rows[1].payload == payload and rows[0].payload == {"rle": RLE}
    assert [r.seq for r in sql.prompts_between(video.pk, 5, 7)] == [7]
    orm = Prompt.objects.get(video=video, seq=7)  # what the ORM reads back matches
    assert orm.payload == payload and orm.user_id == users["owner"].pk and orm.created_at


def test_mask_upsert_replaces_per_object_frame_and_chunks_large_batches(room):
    video, _ = room
    objs = [Object.objects.create(video=video) for _ in range(3)]
    n = UPSERT_ROWS // 3 + 20  # more rows than one statement takes
    rows = [(o.pk, video.pk, f, RLE, 10, [1, 2, 3, 4], 0.5, "propagation", 9, None)
            for o in objs for f in range(n)]
    for i in range(0, len(rows), UPSERT_ROWS):
        sql.upsert_masks(rows[i:i + UPSERT_ROWS])
    assert FrameMask.objects.filter(video=video).count() == 3 * n
    sql.upsert_masks([(objs[0].pk, video.pk, 2, {"size": [120, 160], "counts": "ab"}, 3,
                       [0, 0, 1, 1], None, "prompt", 12, None)])
    m = FrameMask.objects.get(object=objs[0], frame=2)
    assert (m.rle["counts"], m.area, m.bbox, m.score, m.source, m.seq) == (
        "ab", 3, [0, 0, 1, 1], None, "prompt", 12)
    assert FrameMask.objects.filter(video=video).count() == 3 * n
    Object.objects.filter(pk=objs[1].pk).update(deleted=True)
    assert sql.live_objects(video.pk, [o.pk for o in objs]) == {objs[0].pk, objs[2].pk}
    assert sql.live_objects(video.pk, []) == set()


def test_next_seq_tells_whether_every_object_is_live(room):
    video, _ = room
    a, b = Object.objects.create(video=video), Object.objects.create(video=video)
    first, live = sql.next_seq_all_live(video.pk, [a.pk, b.pk])
    assert live is True
    Object.objects.filter(pk=b.pk).update(deleted=True)
    seq, live = sql.next_seq_all_live(video.pk, {a.pk, b.pk})
    assert (seq, live) == (first + 1, False)
    assert sql.next_seq_all_live(video.pk, [a.pk])[1] is True
    assert type(video).objects.get(pk=video.pk).seq == first + 2
