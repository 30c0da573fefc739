"""Masklet operations (object.split, object.merge, masks.clear, object.duplicate): stored with
a seq, broadcast, replayed by sync as sent live, refused precisely; the worker's session
forgets the objects' stale memory."""
from __future__ import annotations

import numpy as np
import pytest

from inference import decode_rle, encode_mask
from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime import dispatch, sql
from webapp.realtime.masklets import empty_rle

from .conftest import make_ready_video
from .test_consumer import connect, db, prompted_object, recv_until, request

pytestmark = pytest.mark.django_db(transaction=True)
H, W = 120, 160


def box_rle(x0, y0, x1, y1) -> dict:
    m = np.zeros((H, W), dtype=bool)
    m[y0:y1, x0:x1] = True
    return encode_mask(m)


def seed_masks(oid: int, video_id: int, frames, x0=10) -> None:
    rle = box_rle(x0, 10, x0 + 20, 30)
    sql.store_masks(video_id, [(oid, f, rle, 400, [x0, 10, 20, 20], 0.9, "propagation", None)
                               for f in frames])


def masks_of(oid: int) -> dict[int, int]:
    """frame -> area of the object's stored masks."""
    return dict(FrameMask.objects.filter(object_id=oid).values_list("frame", "area"))


def nonempty(oid: int) -> list[int]:
    return sorted(f for f, a in masks_of(oid).items() if a > 0)


def prompts_of(oid: int) -> list[tuple[int, str]]:
    return list(Prompt.objects.filter(object_id=oid).order_by("seq").values_list("frame", "kind"))


def session_objects(video_id: int) -> list[int]:
    thread = dispatch.inference_thread()
    assert thread.drain(60)
    m = thread.runner._meta.get(video_id)
    return m.session.object_ids if m is not None else []


async def _object(video, name="x") -> int:
    return await db(lambda: Object.objects.create(video=video, name=name).pk)


async def test_split_moves_later_masks_and_prompts_to_a_new_object_seen_live(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    oid = await prompted_object(a, video)  # a click on frame 0: a session holds the object
    await request(a, {"type": "prompt.add", "object_id": oid, "frame": 12, "points": [[30, 40]],
                      "labels": [1]})
    await recv_until(a, lambda m: m["type"] == "masks" and m["frame"] == 12)
    await db(lambda: seed_masks(oid, video.pk, range(0, 20)))
    before = await db(lambda: sql.video_access(video.pk, 0).seq)
    seen: list = []
    ack = await request(a, {"type": "object.split", "object_id": oid, "frame": 10})
    assert ack["type"] == "ack"
    created = await recv_until(b, lambda m: m["type"] == "object.created"
                               and m["object"]["id"] != oid, seen=seen)
    new = created["object"]["id"]
    assert created["object"]["name"].endswith("(2)") and created["by"] == "owner"
    await recv_until(b, lambda m: m["type"] == "masks" and m["frame"] == 19, seen=seen)
    seen = [m for m in seen if m.get("seq", 0) > before]
    edits = [m for m in seen if m["type"] == "masks"]
    assert {m["source"] for m in edits} == {"edit"} and all(m["seq"] <= ack["seq"] for m in edits)
    assert sorted(m["frame"] for m in edits) == list(range(10, 20))
    for m in edits:  # the new object's mask, the old one's now empty
        got = {mk["object_id"]: decode_rle(mk["rle"]).sum() for mk in m["masks"]}
        assert got[new] > 0 and got[oid] == 0
    added = [m["prompt"] for m in seen if m["type"] == "prompt.added"]
    assert {(p["object_id"], p["frame"], p["kind"]) for p in added} == {
        (new, 12, "point"), (oid, 12, "mask")}

    assert await db(lambda: nonempty(oid)) == list(range(0, 10))
    assert await db(lambda: nonempty(new)) == list(range(10, 20))
    assert await db(lambda: prompts_of(new)) == [(12, "point")]
    assert (await db(lambda: prompts_of(oid)))[-1] == (12, "mask")
    # The worker re-applied both objects' stored prompts: the new object is in the session.
    assert new in await db(lambda: session_objects(video.pk))
    # The next click on either starts from there.
    await request(b, {"type": "prompt.add", "object_id": new, "frame": 14, "points": [[30, 40]],
                      "labels": [1]})
    got = await recv_until(a, lambda m: m["type"] == "masks" and m["source"] == "prompt")
    assert got["frame"] == 14 and got["masks"][0]["object_id"] == new
    await a.disconnect()
    await b.disconnect()


async def test_merge_moves_masks_where_the_target_has_none_and_deletes_the_source(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    src = await prompted_object(a, video)
    into = await prompted_object(a, video, x=100, y=80)
    assert src in await db(lambda: session_objects(video.pk))
    await db(lambda: (seed_masks(src, video.pk, range(0, 10)),
                      seed_masks(into, video.pk, [0, *range(5, 15)], x0=100)))
    before = await db(lambda: sql.video_access(video.pk, 0).seq)
    seen: list = []
    ack = await request(a, {"type": "object.merge", "object_id": src, "into_id": into})
    assert ack["type"] == "ack"
    gone = await recv_until(b, lambda m: m["type"] == "object.deleted", seen=seen)
    assert gone["object"]["id"] == src and gone["seq"] == ack["seq"]
    moved = sorted(m["frame"] for m in seen if m["type"] == "masks" and m["seq"] > before)
    assert moved == [1, 2, 3, 4]  # frame 0 and 5..9: `into` had its own (it wins)
    masks = await db(lambda: dict(FrameMask.objects.filter(object_id=into)
                                  .values_list("frame", "bbox")))
    assert masks[3][0] == 10 and masks[7][0] == 100  # src's box moved; into's own stayed
    assert await db(lambda: nonempty(into)) == list(range(0, 15))
    assert await db(lambda: Object.objects.get(pk=src).deleted)
    assert src not in await db(lambda: session_objects(video.pk))
    await a.disconnect()
    await b.disconnect()


async def test_clear_empties_a_range_and_resets_its_prompts(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["reviewer"], video)  # watchers hear it too
    oid = await prompted_object(a, video)
    await db(lambda: seed_masks(oid, video.pk, range(0, 12)))
    before = await db(lambda: sql.video_access(video.pk, 0).seq)
    seen: list = []
    ack = await request(a, {"type": "masks.clear", "object_id": oid, "start": 0, "end": 5})
    assert ack["type"] == "ack"
    await recv_until(b, lambda m: m["type"] == "masks" and m["frame"] == 5
                     and m["source"] == "edit", seen=seen)
    seen = [m for m in seen if m.get("seq", 0) > before]
    assert sorted(m["frame"] for m in seen if m["type"] == "masks") == list(range(0, 6))
    reset = [m for m in seen if m["type"] == "prompt.added"]
    assert [(m["prompt"]["frame"], m["prompt"]["kind"]) for m in reset] == [(0, "mask")]
    assert await db(lambda: nonempty(oid)) == list(range(6, 12))
    # Clearing again changes nothing more: no second reset prompt.
    n = await db(lambda: Prompt.objects.filter(object_id=oid).count())
    assert (await request(a, {"type": "masks.clear", "object_id": oid, "start": 0,
                              "end": 5}))["type"] == "ack"
    assert await db(lambda: Prompt.objects.filter(object_id=oid).count()) == n
    await a.disconnect()
    await b.disconnect()


async def test_duplicate_copies_masks_and_prompts_into_a_new_object(room):
    video, users = room
    a, _ = await connect(users["annotator"], video)
    b, _ = await connect(users["owner"], video)
    oid = await prompted_object(a, video)
    await db(lambda: seed_masks(oid, video.pk, range(3, 8)))
    ack = await request(a, {"type": "object.duplicate", "object_id": oid})
    assert ack["type"] == "ack"
    created = await recv_until(b, lambda m: m["type"] == "object.created"
                               and m["object"]["id"] != oid)
    new = created["object"]["id"]
    assert created["object"]["name"].endswith(" copy")
    await recv_until(b, lambda m: m["type"] == "masks" and m["frame"] == 7)
    assert await db(lambda: nonempty(new)) == await db(lambda: nonempty(oid))
    assert await db(lambda: prompts_of(new)) == await db(lambda: prompts_of(oid))
    assert await db(lambda: Prompt.objects.filter(object_id=new, user__isnull=False).count()) == 0
    assert new in await db(lambda: session_objects(video.pk))
    await a.disconnect()
    await b.disconnect()


async def test_each_bad_request_is_refused_precisely_and_changes_nothing(room, project_with_roles):
    video, users = room
    project, _ = project_with_roles
    other = await db(lambda: make_ready_video(project))
    a, _ = await connect(users["owner"], video)
    oid, into = await _object(video, "a"), await _object(video, "b")
    foreign, dead = await _object(other, "f"), await _object(video, "d")
    await db(lambda: Object.objects.filter(pk=dead).update(deleted=True))
    N = video.num_frames
    cases = [
        ({"type": "object.split", "object_id": foreign, "frame": 1}, "not_found"),
        ({"type": "object.split", "object_id": dead, "frame": 1}, "not_found"),
        ({"type": "object.split", "object_id": oid, "frame": N}, "out_of_range"),
        ({"type": "object.split", "object_id": oid, "frame": -1}, "out_of_range"),
        ({"type": "object.split", "object_id": oid}, "bad_message"),
        ({"type": "object.merge", "object_id": oid, "into_id": foreign}, "not_found"),
        ({"type": "object.merge", "object_id": foreign, "into_id": oid}, "not_found"),
        ({"type": "object.merge", "object_id": dead, "into_id": oid}, "not_found"),
        ({"type": "object.merge", "object_id": oid, "into_id": oid}, "bad_message"),
        ({"type": "object.merge", "object_id": oid}, "bad_message"),
        ({"type": "masks.clear", "object_id": foreign, "start": 0, "end": 1}, "not_found"),
        ({"type": "masks.clear", "object_id": oid, "start": 5, "end": 2}, "out_of_range"),
        ({"type": "masks.clear", "object_id": oid, "start": 0, "end": N}, "out_of_range"),
        ({"type": "masks.clear", "object_id": oid, "start": -3, "end": 2}, "out_of_range"),
        ({"type": "masks.clear", "object_id": oid, "start": "zero", "end": 2}, "bad_message"),
        ({"type": "object.duplicate", "object_id": foreign}, "not_found"),
        ({"type": "object.duplicate", "object_id": oid, "frame": 2}, "bad_message"),
    ]
    before = await db(lambda: (Object.objects.count(), Prompt.objects.count(),
                               FrameMask.objects.count()))
    for msg, code in cases:
        reply = await request(a, msg)
        assert (reply["type"], reply.get("code")) == ("error", code), (msg, reply)
    assert await db(lambda: (Object.objects.count(), Prompt.objects.count(),
                             FrameMask.objects.count())) == before
    assert await db(lambda: Object.objects.get(pk=into).deleted) is False
    for role in ("viewer", "reviewer"):
        c, _ = await connect(users[role], video)
        for msg in ({"type": "object.split", "object_id": oid, "frame": 1},
                    {"type": "object.merge", "object_id": oid, "into_id": into},
                    {"type": "masks.clear", "object_id": oid, "start": 0, "end": 1},
                    {"type": "object.duplicate", "object_id": oid}):
            reply = await request(c, msg)
            assert (reply["type"], reply.get("code")) == ("error", "forbidden"), (role, msg)
        await c.disconnect()
    await a.disconnect()


def _state(events: list[dict], since: int) -> dict:
    """Objects, prompt kinds per (object, frame) and mask areas per (object, frame), from
    events with seq > since, applied as a client does (a mask's newer seq wins)."""
    objects, prompts, masks = set(), {}, {}
    for ev in events:
        if ev.get("seq", 0) <= since:
            continue
        if ev["type"] == "object.created":
            objects.add(ev["object"]["id"])
        elif ev["type"] == "object.deleted":
            oid = ev["object"]["id"]
            objects.discard(oid)
            prompts = {k: v for k, v in prompts.items() if k[0] != oid}
            masks = {k: v for k, v in masks.items() if k[0] != oid}
        elif ev["type"] == "prompt.added":
            pr = ev["prompt"]
            prompts.setdefault((pr["object_id"], pr["frame"]), []).append((ev["seq"], pr["kind"]))
        elif ev["type"] == "masks":
            for mk in ev["masks"]:
                key = (mk["object_id"], ev["frame"])
                if key not in masks or masks[key][0] <= ev["seq"]:
                    masks[key] = (ev["seq"], int(decode_rle(mk["rle"]).sum()))
    return {"objects": objects, "prompts": {k: sorted(v) for k, v in prompts.items()},
            "masks": masks}


async def test_sync_replays_the_operations_as_they_were_sent_live(room):
    video, users = room
    a, state = await connect(users["owner"], video)
    watcher, _ = await connect(users["viewer"], video)
    oid = await prompted_object(a, video)
    other = await prompted_object(a, video, x=100, y=80)
    await db(lambda: (seed_masks(oid, video.pk, range(0, 20)),
                      seed_masks(other, video.pk, range(15, 24), x0=100)))
    since = await db(lambda: sql.video_access(video.pk, 0).seq)
    live: list = []
    acks = []
    for msg in ({"type": "object.split", "object_id": oid, "frame": 8},
                {"type": "object.duplicate", "object_id": oid},
                {"type": "masks.clear", "object_id": oid, "start": 2, "end": 4}):
        acks.append((await request(a, msg))["seq"])
    split_new = await db(lambda: Object.objects.filter(name__endswith="(2)").get().pk)
    acks.append((await request(a, {"type": "object.merge", "object_id": split_new,
                                   "into_id": other}))["seq"])
    await recv_until(watcher, lambda m: m.get("seq", 0) >= acks[-1], seen=live)
    fresh, _ = await connect(users["viewer"], video)
    replay: list = []
    await fresh.send_json_to({"type": "sync", "since_seq": since, "req": "s"})
    done = await recv_until(fresh, lambda m: m["type"] == "sync.done", seen=replay)
    assert done["seq"] >= acks[-1]
    got, want = _state(replay, since), _state(live, since)
    assert got == want
    assert got["objects"] == {split_new + 1}  # the duplicate; split_new merged away
    mine = {f: area for (o, f), (_, area) in got["masks"].items() if o == oid}
    assert mine == {f: 0 for f in [2, 3, 4, *range(8, 20)]}  # split off, then cleared
    dup = {f for (o, f), (_, area) in got["masks"].items() if o == split_new + 1 and area}
    assert dup == set(range(0, 8))
    merged = {f for (o, f), (_, area) in got["masks"].items() if o == other and area}
    assert merged == set(range(8, 15))  # `other` had its own on 15..23
    for c in (a, watcher, fresh):
        await c.disconnect()


def test_empty_rle_is_an_empty_mask_of_the_video_size():
    rle = empty_rle(H, W)
    assert rle["size"] == [H, W] and decode_rle(rle).sum() == 0
