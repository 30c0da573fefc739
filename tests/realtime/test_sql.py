"""The realtime loop's plain-SQL statements (webapp/realtime/sql.py) against what the ORM sees,
in both forms: Postgres's single statements and the portable transactions (which SQLite runs;
the embedded stack test also runs them on SQLite)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime import sql
from webapp.realtime.runner import UPSERT_ROWS

pytestmark = pytest.mark.django_db(transaction=True)

RLE = {"size": [120, 160], "counts": "PPYo1"}
PAYLOAD = {"points": [[1.5, 2.0]], "labels": [1], "box": None, "clear_old": False}


@pytest.fixture(params=["native", "portable"])
def portable(request):
    return request.param == "portable"


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


def test_the_per_message_role_agrees_with_the_one_role_rule(room, make_user):
    from webapp.projects.models import role_in

    video, users = room
    users["admin-su"] = make_user("root-outsider", is_superuser=True)
    for name, user in users.items():
        via_sql = sql.video_access(video.pk, user.pk).role
        # sql.py leaves superusers who are not members to the caller (actions.load_video)
        expected = None if name == "admin-su" else role_in(video.project_id, user.pk)
        assert via_sql == expected, name
    assert role_in(video.project_id, users["admin-su"].pk) == "owner"


def test_prompts_get_consecutive_seqs_and_read_back_in_order(room, portable):
    video, users = room
    a, b = Object.objects.create(video=video), Object.objects.create(video=video)
    s1 = sql.append_prompt(video.pk, b.pk, 3, "point", PAYLOAD, users["owner"].pk, portable)
    s2 = sql.append_prompt(video.pk, a.pk, 0, "mask", {"rle": RLE}, None, portable)
    assert s2 == s1 + 1 and type(video).objects.get(pk=video.pk).seq == s2
    Object.objects.filter(pk=b.pk).update(deleted=True)
    rows = sql.prompts_between(video.pk, 0, s2)
    assert [(r.seq, r.object_id, r.kind, r.deleted) for r in rows] == [
        (s1, b.pk, "point", True), (s2, a.pk, "mask", False)]
    assert rows[0].payload == PAYLOAD and rows[1].payload == {"rle": RLE}
    assert [r.seq for r in sql.prompts_between(video.pk, s1, s2)] == [s2]
    orm = Prompt.objects.get(video=video, seq=s1)  # what the ORM reads back matches
    assert orm.payload == PAYLOAD and orm.user_id == users["owner"].pk and orm.created_at
    with pytest.raises(type(video).DoesNotExist):
        sql.append_prompt(987654, a.pk, 0, "point", PAYLOAD, None, portable)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_prompts_never_share_a_seq(room, portable):
    video, _ = room
    obj = Object.objects.create(video=video)
    seqs, errors = [], []

    def run():
        try:
            for _ in range(15):
                seqs.append(sql.append_prompt(video.pk, obj.pk, 0, "point", PAYLOAD, None,
                                              portable))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(seqs)) == 90 and max(seqs) - min(seqs) == 89
    assert Prompt.objects.filter(video=video).count() == 90


def test_masks_upsert_per_object_and_frame_and_skip_deleted_objects(room, portable):
    video, users = room
    objs = [Object.objects.create(video=video) for _ in range(3)]
    n = UPSERT_ROWS // 3  # one full batch
    rows = [(o.pk, f, RLE, 10, [1, 2, 3, 4], 0.5 if f else None, "propagation", None)
            for o in objs for f in range(n)]
    seq, stored = sql.store_masks(video.pk, rows, portable)
    assert len(stored) == 3 * n and FrameMask.objects.filter(video=video, seq=seq).count() == 3 * n
    assert FrameMask.objects.get(object=objs[0], frame=0).score is None
    # the same (object, frame) again replaces the row
    seq2, stored = sql.store_masks(video.pk, [(objs[0].pk, 2, {"size": [120, 160], "counts": "ab"},
                                               3, [0, 0, 1, 1], None, "prompt",
                                               users["owner"].pk)], portable)
    m = FrameMask.objects.get(object=objs[0], frame=2)
    assert seq2 == seq + 1 and stored == {(objs[0].pk, 2)}
    assert (m.rle["counts"], m.area, m.bbox, m.score, m.source, m.seq, m.author_id) == (
        "ab", 3, [0, 0, 1, 1], None, "prompt", seq2, users["owner"].pk)
    assert FrameMask.objects.filter(video=video).count() == 3 * n
    # a deleted object's masks are not stored; with nothing left, no seq
    Object.objects.filter(pk=objs[1].pk).update(deleted=True)
    seq3, stored = sql.store_masks(video.pk, [(o.pk, 500, RLE, 1, [0, 0, 1, 1], 0.1, "prompt", None)
                                              for o in objs], portable)
    assert stored == {(objs[0].pk, 500), (objs[2].pk, 500)}
    assert not FrameMask.objects.filter(object=objs[1], frame=500).exists()
    assert sql.store_masks(video.pk, [(objs[1].pk, 7, RLE, 1, [0, 0, 1, 1], None, "prompt",
                                       None)], portable) == (None, set())
    assert sql.live_objects(video.pk, [o.pk for o in objs]) == {objs[0].pk, objs[2].pk}
    assert sql.live_objects(video.pk, []) == set()


def test_quality_inputs_are_stored_and_the_other_direction_is_found(room, portable):
    """SAM 2's predicted IoU, the propagation's direction and the forward/backward agreement
    round-trip in both forms; `other_direction` finds only the opposite direction's
    propagated masks among the pairs asked for."""
    video, _ = room
    a, b = (Object.objects.create(video=video) for _ in range(2))
    rows = [sql.MaskRow(a.pk, f, RLE, 10, [1, 2, 3, 4], 0.9, "propagation", None, 0.75, "f")
            for f in range(5)]
    rows.append(sql.MaskRow(b.pk, 2, RLE, 10, [1, 2, 3, 4], 0.9, "propagation", None, None, "b",
                            0.4))
    rows.append(sql.MaskRow(b.pk, 3, RLE, 10, [1, 2, 3, 4], 0.9, "prompt", None, 0.6))
    sql.store_masks(video.pk, rows, portable)
    m = FrameMask.objects.get(object=a, frame=1)
    assert (m.iou, m.direction, m.agreement) == (0.75, "f", None)
    m = FrameMask.objects.get(object=b, frame=2)
    assert (m.iou, m.direction, m.agreement) == (None, "b", 0.4)
    asked = [(a.pk, 1), (a.pk, 4), (a.pk, 9), (b.pk, 2), (b.pk, 3)]
    assert sorted(sql.other_direction(video.pk, asked, "b")) == [(a.pk, 1), (a.pk, 4)]
    assert sorted(sql.other_direction(video.pk, asked, "f")) == [(b.pk, 2)]  # not the prompt
    assert sql.other_direction(video.pk, asked, "") == {}
    # An eight-field tuple (masklet operations, imports) still stores, with no quality inputs.
    sql.store_masks(video.pk, [(a.pk, 1, RLE, 3, [0, 0, 1, 1], None, "edit", None)], portable)
    m = FrameMask.objects.get(object=a, frame=1)
    assert (m.source, m.iou, m.direction, m.agreement) == ("edit", None, "", None)
