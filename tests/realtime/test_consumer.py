"""The video room consumer in the embedded mode, driven with WebsocketCommunicator."""
from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from inference import decode_rle
from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.asgi import application
from webapp.realtime import protocol as p
from webapp.realtime.broadcast import group_name

from .conftest import make_ready_video
from .stack import final_masks

pytestmark = pytest.mark.django_db(transaction=True)
SEQ_TYPES = {"object.created", "object.updated", "object.deleted", "prompt.added", "masks"}


def db(fn):
    """Run ORM code off the loop on Channels' DB thread (it closes its connections)."""
    return database_sync_to_async(fn)()


async def connect(user, video, origin: bytes | None = None) -> tuple[WebsocketCommunicator, dict]:
    token = await db(lambda: Token.objects.get_or_create(user=user)[0].key)
    headers = [(b"authorization", f"Token {token}".encode()), (b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    comm = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/", headers=headers)
    ok, _ = await comm.connect()
    assert ok
    state = await comm.receive_json_from(timeout=10)
    return comm, state


async def recv_until(comm, pred, timeout=30.0, seen=None):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        msg = await comm.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        p.SERVER_ADAPTER.validate_python(msg)  # everything the server sends fits the schema
        if seen is not None:
            seen.append(msg)
        if pred(msg):
            return msg


async def prompted_object(comm, video, x=30, y=40) -> int:
    """A new object of `video` with one click on frame 0, once its masks arrived."""
    await request(comm, {"type": "object.create"})
    oid = await db(lambda: Object.objects.filter(video=video).order_by("-pk")[0].pk)
    await request(comm, {"type": "prompt.add", "object_id": oid, "frame": 0,
                         "points": [[x, y]], "labels": [1]})
    await recv_until(comm, lambda m: m["type"] == "masks" and m["masks"][0]["object_id"] == oid)
    return oid


async def request(comm, msg, seen=None, timeout=30.0):
    req = f"r{id(msg)}"
    await comm.send_json_to(dict(msg, req=req))
    return await recv_until(comm, lambda m: m.get("req") == req and m["type"] in ("ack", "error"),
                            timeout, seen)


async def test_it_sends_session_state_with_model_and_video_info_on_connect(room):
    video, users = room
    comm, state = await connect(users["owner"], video)
    p.SERVER_ADAPTER.validate_python(state)
    assert state["type"] == "session.state"
    assert state["video"]["num_frames"] == video.num_frames
    assert state["model"] == {"name": "random-tiny", "random_weights": True}
    assert [u["username"] for u in state["users"]] == ["owner"]
    assert state["role"] == "owner"
    await comm.disconnect()


async def test_two_clients_see_each_others_objects_prompts_masks_and_propagation(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    seen_b: list = []
    ack = await request(a, {"type": "object.create", "label": "disc", "name": "ball"})
    assert ack["type"] == "ack"
    created = await recv_until(b, lambda m: m["type"] == "object.created", seen=seen_b)
    oid = created["object"]["id"]
    assert created["object"]["label"] == "disc" and created["by"] == "owner"

    ack = await request(b, {"type": "prompt.add", "object_id": oid, "frame": 0,
                            "points": [[40, 40]], "labels": [1]}, seen=seen_b)
    assert ack["type"] == "ack"
    got = await recv_until(a, lambda m: m["type"] == "masks" and m["source"] == "prompt")
    assert got["frame"] == 0 and got["by"] == "annotator"
    rle = got["masks"][0]["rle"]
    assert rle["size"] == [video.height, video.width]
    assert decode_rle(rle).shape == (video.height, video.width)

    await request(a, {"type": "propagate.start", "frame": 0, "direction": "forward"})
    done = await recv_until(b, lambda m: m["type"] == "propagation.done", timeout=120, seen=seen_b)
    assert done["cancelled"] is False and done["done"] == done["total"] == video.num_frames
    frames = {m["frame"] for m in seen_b if m["type"] == "masks" and m["source"] == "propagation"}
    assert frames == set(range(video.num_frames))
    assert any(m["type"] == "propagation.progress" for m in seen_b)
    stored = await db(
        lambda: sorted(FrameMask.objects.filter(object_id=oid).values_list("frame", flat=True)))
    assert stored == list(range(video.num_frames))
    await a.disconnect()
    await b.disconnect()


async def test_a_viewer_watches_but_every_edit_is_forbidden(room):
    video, users = room
    comm, _ = await connect(users["viewer"], video)
    for msg in ({"type": "object.create", "name": "x"},
                {"type": "propagate.start", "direction": "forward"},
                {"type": "propagate.cancel"}):
        reply = await request(comm, msg)
        assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "pong"
    assert await db(lambda: Object.objects.filter(video=video).count()) == 0
    await comm.disconnect()


def _empty_rle(h: int, w: int) -> dict:
    import numpy as np
    from pycocotools import mask as mask_util

    rle = mask_util.encode(np.zeros((h, w), np.uint8, order="F"))
    return {"size": [h, w], "counts": rle["counts"].decode()}


async def test_bad_messages_get_errors_and_the_socket_stays_usable(room):
    video, users = room
    comm, _ = await connect(users["owner"], video)
    ack = await request(comm, {"type": "object.create"})
    oid = (await db(lambda: Object.objects.get(video=video))).pk
    assert ack["type"] == "ack"
    w, h, n = video.width, video.height, video.num_frames
    point = {"type": "prompt.add", "object_id": oid, "points": [[5, 5]], "labels": [1]}
    cases = [
        ("this is {not json", "bad_message"),
        (json.dumps({"type": "no.such"}), "bad_message"),
        (json.dumps({"type": "prompt.add", "frame": 1}), "bad_message"),
        (json.dumps({"type": "ping", "extra": 1}), "bad_message"),
        ("x" * (p.MAX_MESSAGE_BYTES + 1), "too_large"),
        (json.dumps(dict(point, frame=n)), "out_of_range"),
        (json.dumps(dict(point, frame=-1)), "out_of_range"),
        (json.dumps(dict(point, frame=0, points=[[w + 50, h + 50]])), "out_of_range"),
        (json.dumps({"type": "prompt.add", "object_id": oid, "frame": 0,
                     "box": [w - 10, h - 10, w + 10, h + 10]}), "out_of_range"),
        (json.dumps(dict(point, frame=0, object_id=oid + 999)), "not_found"),
        (json.dumps({"type": "prompt.mask", "object_id": oid, "frame": 0,
                     "rle": _empty_rle(h + 1, w)}), "out_of_range"),
        # counts that cover fewer pixels than size (pycocotools would leave the rest of its
        # buffer uninitialised), or are not RLE at all
        (json.dumps({"type": "prompt.mask", "object_id": oid, "frame": 0,
                     "rle": {"size": [h, w], "counts": _empty_rle(h, w - 1)["counts"]}}),
         "bad_message"),
        (json.dumps({"type": "prompt.mask", "object_id": oid, "frame": 0,
                     "rle": {"size": [h, w], "counts": "0"}}), "bad_message"),
        (json.dumps({"type": "prompt.mask", "object_id": oid, "frame": 0,
                     "rle": {"size": [h, w], "counts": "\u00ff\u00ff"}}), "bad_message"),
        (json.dumps(dict(point, frame=0, object_id=10**30)), "bad_message"),
        (json.dumps({"type": "object.delete", "object_id": -(10**30)}), "bad_message"),
        (json.dumps({"type": "sync", "since_seq": 10**30}), "bad_message"),
        (json.dumps({"type": "presence", "frame": n}), "out_of_range"),
    ]
    for raw, code in cases:
        await comm.send_to(text_data=raw)
        err = await recv_until(comm, lambda m: m["type"] == "error", timeout=10)
        assert err["code"] == code, (raw[:80], err)
        await comm.send_json_to({"type": "ping", "req": "after"})
        pong = await recv_until(comm, lambda m: m["type"] == "pong", timeout=10)
        assert pong["req"] == "after"
    assert await db(lambda: Prompt.objects.filter(video=video).count()) == 0
    await comm.disconnect()


async def test_it_rate_limits_a_flood_and_recovers(room):
    video, users = room
    comm, _ = await connect(users["owner"], video)
    for _ in range(200):
        await comm.send_to(text_data="{}")
    codes = []
    while len(codes) < 200:
        msg = await comm.receive_json_from(timeout=5)
        if msg["type"] == "error":
            codes.append(msg["code"])
    assert "rate_limited" in codes and "bad_message" in codes
    await asyncio.sleep(0.2)
    await comm.send_json_to({"type": "ping"})
    assert (await recv_until(comm, lambda m: m["type"] == "pong", 5))["type"] == "pong"
    await comm.disconnect()


async def test_a_foreign_origin_is_refused_and_same_origin_accepted(room):
    video, users = room
    token = await db(lambda: Token.objects.get_or_create(user=users["owner"])[0].key)
    bad = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/", headers=[
        (b"authorization", f"Token {token}".encode()), (b"host", b"testserver"),
        (b"origin", b"http://evil.example")])
    ok, _ = await bad.connect()
    assert not ok
    good, state = await connect(users["owner"], video, origin=b"http://testserver")
    assert state["type"] == "session.state"
    await good.disconnect()


async def test_a_non_member_and_an_anonymous_client_are_closed(room):
    video, users = room
    comm = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/")
    await comm.connect()
    closed = await comm.receive_output(timeout=5)
    assert (closed["code"], closed["reason"]) == (4401, p.CLOSE_REASONS[4401])
    comm, _ = None, None
    token = await db(lambda: Token.objects.get_or_create(user=users["outsider"])[0].key)
    comm = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/",
                                 headers=[(b"authorization", f"Token {token}".encode())])
    await comm.connect()
    closed = await comm.receive_output(timeout=5)
    assert (closed["code"], closed["reason"]) == (4404, p.CLOSE_REASONS[4404])


async def test_presence_is_shared_and_cleaned_up_on_disconnect(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    await a.send_json_to({"type": "presence", "frame": 3})
    got = await recv_until(b, lambda m: m["type"] == "presence" and any(
        u["username"] == "owner" and u["frame"] == 3 for u in m["users"]))
    assert {"username": "owner", "frame": 3, "object_id": None} in got["users"]
    await a.disconnect()
    gone = await recv_until(b, lambda m: m["type"] == "presence" and
                            [u["username"] for u in m["users"]] == ["annotator"])
    assert len(gone["users"]) == 1
    await b.disconnect()
    layer = get_channel_layer()
    assert not layer.groups.get(group_name(video.pk))


async def test_a_send_to_a_client_that_is_already_gone_still_cleans_up_presence(room, monkeypatch):
    """The server closed the socket before websocket.disconnect reached the consumer: the
    next room event's send fails, and that must clean up like a disconnect would."""
    from channels.consumer import AsyncConsumer

    video, users = room
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    real_send = AsyncConsumer.send

    async def send(self, message):  # what uvicorn does once the owner's socket is closed
        if self.scope["user"].username == "owner":
            raise RuntimeError("Unexpected ASGI message 'websocket.send', after sending 'websocket.close'")
        await real_send(self, message)

    monkeypatch.setattr(AsyncConsumer, "send", send)
    await b.send_json_to({"type": "presence", "frame": 2})  # a room event reaches a's consumer
    gone = await recv_until(b, lambda m: m["type"] == "presence" and
                            [u["username"] for u in m["users"]] == ["annotator"])
    assert len(gone["users"]) == 1
    await b.disconnect()
    await a.disconnect()
    layer = get_channel_layer()
    assert not layer.groups.get(group_name(video.pk))


async def test_cancel_stops_a_propagation_and_a_prompt_does_not_wait_behind_one(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    o1 = await prompted_object(a, video, 30)
    o2 = await prompted_object(a, video, 100)
    # Preemption: a prompt sent during a propagation is answered before it ends, and the
    # propagation still finishes every frame.
    seen: list = []
    await request(a, {"type": "propagate.start", "frame": 0, "direction": "forward",
                      "object_ids": [o1]}, seen=seen)
    await recv_until(a, lambda m: m["type"] == "masks" and m["source"] == "propagation", seen=seen)
    await request(a, {"type": "prompt.add", "object_id": o2, "frame": 5, "points": [[90, 50]],
                      "labels": [1]}, seen=seen)
    await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=120, seen=seen)
    kinds = [(m["type"], m.get("source")) for m in seen]
    prompt_at = kinds.index(("masks", "prompt"))
    assert ("propagation.done", None) == kinds[-1] and prompt_at < len(kinds) - 1
    assert seen[-1]["cancelled"] is False and seen[-1]["done"] == video.num_frames
    prop_frames = {m["frame"] for m in seen if m["type"] == "masks" and m["source"] == "propagation"}
    assert prop_frames == set(range(video.num_frames))
    assert all(mm["object_id"] == o1 for m in seen if m["type"] == "masks"
               and m["source"] == "propagation" for mm in m["masks"])
    # Cancel right after start: done says cancelled and stops early.
    await request(a, {"type": "propagate.start", "frame": 0, "direction": "forward"})
    await request(a, {"type": "propagate.cancel"})
    done = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=60)
    assert done["cancelled"] is True and done["reason"] == "cancelled"
    assert done["done"] < done["total"]
    # Cancel with nothing running: the sender (only) hears that nothing runs, after the ack.
    b, _ = await connect(users["annotator"], video)
    seen = []
    await request(a, {"type": "propagate.cancel"}, seen=seen)
    done = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=10, seen=seen)
    assert (done["cancelled"], done["done"], done["total"]) == (True, 0, 0)
    assert [m["type"] for m in seen].index("ack") < [m["type"] for m in seen].index(
        "propagation.done")
    heard = []
    while not await b.receive_nothing(timeout=0.5):
        heard.append(await b.receive_json_from())
    assert "propagation.done" not in [m["type"] for m in heard]
    await a.disconnect()
    await b.disconnect()


async def test_two_users_propagate_different_objects_at_once(room):
    """Nobody's propagation is cut short by a teammate's: jobs on other objects run side by
    side; a new one on the same objects replaces the old; a cancel stops the sender's own."""
    short, users = room
    video = await db(lambda: make_ready_video(short.project, num_frames=60))
    a, _ = await connect(users["owner"], video)
    b, _ = await connect(users["annotator"], video)
    o1, o2, o3 = [await prompted_object(a, video, x) for x in (30, 100, 60)]
    seen: list = []
    await request(a, {"type": "propagate.start", "frame": 0, "object_ids": [o1]}, seen=seen)
    await request(b, {"type": "propagate.start", "frame": 0, "object_ids": [o2]})
    done = {}
    while len(done) < 2:
        m = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=120, seen=seen)
        done[m["by"]] = m
    assert {by: (d["cancelled"], d["done"]) for by, d in done.items()} == {
        "owner": (False, video.num_frames), "annotator": (False, video.num_frames)}
    assert done["owner"]["job"] != done["annotator"]["job"]
    for oid in (o1, o2):
        frames = {m["frame"] for m in seen if m["type"] == "masks"
                  and m["source"] == "propagation" and m["masks"][0]["object_id"] == oid}
        assert frames == set(range(video.num_frames)), oid
    # the same object again: the newer job replaces the older one
    seen = []
    await request(a, {"type": "propagate.start", "frame": 0, "object_ids": [o1, o3]}, seen=seen)
    await request(b, {"type": "propagate.start", "frame": 0, "object_ids": [o3]})
    first = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=60, seen=seen)
    assert (first["by"], first["cancelled"], first["reason"]) == ("owner", True, "superseded")
    second = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=120, seen=seen)
    assert (second["by"], second["cancelled"]) == ("annotator", False)
    # b's cancel stops b's job, not a's; a job id stops anyone's
    seen = []
    await request(a, {"type": "propagate.start", "frame": 0, "object_ids": [o1]}, seen=seen)
    await request(b, {"type": "propagate.start", "frame": 0, "object_ids": [o2]})
    await request(b, {"type": "propagate.cancel"})
    got = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=60, seen=seen)
    assert (got["by"], got["reason"]) == ("annotator", "cancelled")
    prog = next((m for m in seen if m["type"] == "propagation.progress" and m["by"] == "owner"),
                None) or await recv_until(a, lambda m: m["type"] == "propagation.progress"
                                          and m["by"] == "owner", timeout=60, seen=seen)
    await request(b, {"type": "propagate.cancel", "job": prog["job"]})
    got = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=60, seen=seen)
    assert (got["by"], got["reason"], got["job"]) == ("owner", "cancelled", prog["job"])
    assert got["done"] < got["total"]
    await a.disconnect()
    await b.disconnect()


async def test_a_click_on_a_frame_the_propagation_already_did_wins(room, monkeypatch):
    """Propagation results are written behind the engine; a correction stored meanwhile must
    not be overwritten by the older propagated mask of the same frame. The writer is held
    back here so that frames are tracked but not yet written when the click comes."""
    import threading

    from webapp.realtime.runner import Writer

    gate = threading.Event()
    put = Writer.put
    monkeypatch.setattr(Writer, "put", lambda self, fn: put(self, lambda: (gate.wait(30), fn())))
    short, users = room
    video = await db(lambda: make_ready_video(short.project, num_frames=60))
    a, _ = await connect(users["owner"], video)
    oid = await prompted_object(a, video)
    seen: list = []
    await request(a, {"type": "propagate.start", "frame": 0}, seen=seen)
    await asyncio.sleep(1.5)  # frames 0.. tracked, none written
    threading.Timer(1.0, gate.set).start()
    await request(a, {"type": "prompt.add", "object_id": oid, "frame": 2, "points": [[100, 80]],
                      "labels": [1], "clear_old": True}, seen=seen)
    fix = await recv_until(a, lambda m: m["type"] == "masks" and m["source"] == "prompt",
                           timeout=60, seen=seen)
    if not any(m["type"] == "propagation.done" for m in seen):  # a quick engine is done already
        await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=120, seen=seen)
    assert any(m["type"] == "masks" and m["source"] == "propagation" and m["frame"] == 2
               for m in seen), "the propagation had not reached frame 2 before the click"
    stored = await db(lambda: FrameMask.objects.get(object_id=oid, frame=2))
    assert (stored.source, stored.seq, stored.rle) == ("prompt", fix["seq"], fix["masks"][0]["rle"])
    await a.disconnect()


async def test_a_propagation_that_crashes_still_ends_for_the_room(room, monkeypatch):
    from inference import Session

    video, users = room
    a, _ = await connect(users["owner"], video)
    oid = await prompted_object(a, video)

    def broken(self, *args, **kwargs):
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(Session, "propagate", broken)
    await request(a, {"type": "propagate.start", "frame": 0})
    done = await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=30)
    assert done["cancelled"] is True and done["reason"] == "failed"
    await a.disconnect()


async def test_sync_replays_every_change_in_seq_order_and_matches_live_state(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    live: list = []
    await request(a, {"type": "object.create", "name": "keep"}, seen=live)
    await request(a, {"type": "object.create", "name": "drop"}, seen=live)
    keep, drop = await db(
        lambda: list(Object.objects.filter(video=video).values_list("pk", flat=True)))
    for oid in (keep, drop):
        await request(a, {"type": "prompt.add", "object_id": oid, "frame": 2, "box": [10, 10, 60, 60]},
                      seen=live)
        await recv_until(a, lambda m: m["type"] == "masks" and m["masks"][0]["object_id"] == oid,
                         seen=live)
    await request(a, {"type": "propagate.start", "direction": "both", "frame": 2, "max_frames": 5},
                  seen=live)
    await recv_until(a, lambda m: m["type"] == "propagation.done", timeout=120, seen=live)
    cut = max(m.get("seq", 0) for m in live if m["type"] == "masks" and m["source"] == "prompt")
    await request(a, {"type": "object.update", "object_id": keep, "name": "kept"}, seen=live)
    await request(a, {"type": "object.delete", "object_id": drop}, seen=live)
    await a.disconnect()

    c, state = await connect(users["annotator"], video)
    await c.send_json_to({"type": "sync", "since_seq": 0, "req": "s"})
    replay: list = []
    done = await recv_until(c, lambda m: m["type"] == "sync.done", seen=replay)
    replay = [m for m in replay if m["type"] in SEQ_TYPES | {"sync.done"}]
    seqs = [m["seq"] for m in replay[:-1]]
    assert seqs == sorted(seqs) and done["seq"] == state["seq"] >= seqs[-1] and done["req"] == "s"
    objs = {m["object"]["id"]: m["type"] for m in replay if m["type"].startswith("object.")}
    assert objs == {keep: "object.created", drop: "object.deleted"}

    want = {k: v for k, v in final_masks(live).items() if k[0] == keep}
    assert final_masks(replay) == want and len(want) == 7  # frames 0..6 around frame 2
    # A partial sync only brings what changed after the cut.
    await c.send_json_to({"type": "sync", "since_seq": cut})
    partial: list = []
    await recv_until(c, lambda m: m["type"] == "sync.done", seen=partial)
    partial = [m for m in partial if m["type"] in SEQ_TYPES]
    assert partial and all(m["seq"] > cut for m in partial)
    assert {m["type"] for m in partial} == {"masks", "object.created", "object.deleted"}
    await c.disconnect()


async def test_a_mask_prompt_sets_the_mask(room):
    video, users = room
    a, _ = await connect(users["owner"], video)
    await request(a, {"type": "object.create"})
    oid = (await db(lambda: Object.objects.get(video=video))).pk
    from inference import encode_mask

    m = np.zeros((video.height, video.width), bool)
    m[20:60, 30:90] = True
    ack = await request(a, {"type": "prompt.mask", "object_id": oid, "frame": 4,
                            "rle": encode_mask(m)})
    assert ack["type"] == "ack"
    got = await recv_until(a, lambda m: m["type"] == "masks" and m["frame"] == 4)
    out = decode_rle(got["masks"][0]["rle"])
    assert (out & m).sum() / (out | m).sum() > 0.9
    await a.disconnect()


async def test_room_events_reach_clients_without_a_hop_to_the_sync_thread(room, monkeypatch):
    """Channels sweeps old DB connections on its one sync thread before every message a
    consumer handles; ours skip it (webapp.realtime.consumers.Consumer), since with a hundred
    sockets those hops queue ahead of the clicks' database work. 50 room events reach a
    client with no sweep, and a click (database work) still works."""
    import channels.consumer

    video, users = room
    comm, _ = await connect(users["owner"], video)
    sweeps = []

    async def sweep():
        sweeps.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", sweep)
    layer = get_channel_layer()
    for i in range(50):
        await layer.group_send(group_name(video.pk), {
            "type": "room.event", "event": {"type": "pong", "req": f"e{i}"}})
    got = []
    while len(got) < 50:
        msg = await comm.receive_json_from(timeout=10)
        if msg["type"] == "pong":  # (presence may come in between)
            got.append(msg["req"])
    assert got == [f"e{i}" for i in range(50)]
    assert (await request(comm, {"type": "object.create"}))["type"] == "ack"
    assert sweeps == []
    await comm.disconnect()
