"""Websocket access and abuse: a removed member's open sockets close (4403) and cannot sync;
one user cannot hold unlimited sockets, flood the model or run unlimited propagations."""
from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from tests.realtime.conftest import make_ready_video
from tests.realtime.test_consumer import connect, db, prompted_object, recv_until, request
from webapp.asgi import application
from webapp.realtime.protocol import CLOSE_REASONS
from webapp.projects.models import Membership
from webapp.realtime import dispatch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(project_with_roles):
    project, users = project_with_roles
    return make_ready_video(project), users


async def _closed_with(comm, code: int, timeout: float = 10) -> dict | None:
    """Read until the socket closes; return the last error seen. Asserts the close code."""
    last_error = None
    while True:
        out = await comm.receive_output(timeout)
        if out["type"] == "websocket.close":
            assert out.get("code") == code, out
            assert out.get("reason") == CLOSE_REASONS[code], out
            return last_error
        if out["type"] == "websocket.send" and '"error"' in (out.get("text") or ""):
            import json

            last_error = json.loads(out["text"])


async def test_removing_a_member_closes_their_open_socket_with_4403(room, client_for):
    video, users = room
    bob, _ = await connect(users["annotator"], video)
    owner, _ = await connect(users["owner"], video)
    api = await db(lambda: client_for(users["owner"]))
    resp = await db(lambda: api.delete(f"/api/projects/{video.project_id}/members/annotator/"))
    assert resp.status_code == 204, resp.content
    err = await _closed_with(bob, 4403)
    assert err and err["code"] == "forbidden"
    # Nothing of the room reaches the removed member any more; the owner's socket stays.
    await request(owner, {"type": "object.create"})
    assert await bob.receive_nothing(0.5)
    await owner.send_json_to({"type": "ping", "req": "still"})
    assert (await recv_until(owner, lambda m: m["type"] == "pong"))["req"] == "still"
    await owner.disconnect()


async def test_a_socket_whose_access_was_revoked_cannot_sync(room):
    video, users = room
    viewer, _ = await connect(users["viewer"], video)
    owner, _ = await connect(users["owner"], video)
    await prompted_object(owner, video)
    # Revoked without the pushed notice (the channel layer is at-most-once): sync re-checks.
    # (a raw delete sends no signal, like a notice the layer dropped)
    await db(lambda: Membership.objects.filter(user=users["viewer"])._raw_delete("default"))
    while not await viewer.receive_nothing(0.3):  # what it saw while still a member
        await viewer.receive_output(1)
    await viewer.send_json_to({"type": "sync", "since_seq": 0, "req": "s"})
    while True:
        out = await viewer.receive_output(10)
        if out["type"] == "websocket.close":
            assert out["code"] == 4403
            break
        assert '"masks"' not in out.get("text", "") and '"prompt.added"' not in out.get("text", "")
    await owner.disconnect()


async def test_a_role_change_applies_to_the_open_socket_at_once(room, client_for):
    video, users = room
    ann, _ = await connect(users["annotator"], video)
    api = await db(lambda: client_for(users["owner"]))
    resp = await db(lambda: api.patch(f"/api/projects/{video.project_id}/members/annotator/",
                                      {"role": "viewer"}, format="json"))
    assert resp.status_code == 200, resp.content
    for _ in range(50):  # the pushed notice arrives within moments
        reply = await request(ann, {"type": "object.create"})
        if reply["type"] == "error":
            break
    assert reply["code"] == "forbidden"
    await ann.disconnect()


async def test_one_user_cannot_open_more_sockets_than_the_limit(room, settings):
    settings.WS_MAX_SOCKETS_PER_USER = 2
    video, users = room
    a, _ = await connect(users["annotator"], video)
    b, _ = await connect(users["annotator"], video)
    token = await db(lambda: Token.objects.get_or_create(user=users["annotator"])[0].key)
    third = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/", headers=[
        (b"authorization", f"Token {token}".encode()), (b"host", b"testserver")])
    ok, _ = await third.connect()
    assert ok  # accepted, told why, then closed
    err = await _closed_with(third, 4429)
    assert err["code"] == "rate_limited" and "WS_MAX_SOCKETS_PER_USER" in err["message"]
    other, _ = await connect(users["owner"], video)  # other users are not affected
    await a.disconnect()
    c, _ = await connect(users["annotator"], video)  # a slot frees when one closes
    for comm in (b, c, other):
        await comm.disconnect()


async def test_prompts_are_rate_limited_per_user_across_sockets(room, settings):
    settings.WS_USER_INFERENCE_RATE = 2  # burst 4
    video, users = room
    a, _ = await connect(users["annotator"], video)
    b, _ = await connect(users["annotator"], video)
    await request(a, {"type": "object.create"})
    from webapp.annotations.models import Object

    oid = await db(lambda: Object.objects.get(video=video).pk)
    click = {"type": "prompt.add", "object_id": oid, "frame": 0, "points": [[5, 5]],
             "labels": [1]}
    codes = []
    for i in range(8):
        reply = await request(a if i % 2 else b, click)
        codes.append(reply.get("code", "ack"))
    assert codes.count("ack") <= 5 and "rate_limited" in codes, codes
    await a.disconnect()
    await b.disconnect()


async def test_a_full_inference_queue_refuses_new_prompts(room, settings, monkeypatch):
    settings.WS_MAX_QUEUED_COMMANDS = 3
    video, users = room
    a, _ = await connect(users["annotator"], video)
    oid = await prompted_object(a, video)
    monkeypatch.setattr(dispatch, "backlog", lambda worker: 3)  # as if 3 clicks were waiting
    reply = await request(a, {"type": "prompt.add", "object_id": oid, "frame": 1,
                              "points": [[5, 5]], "labels": [1]})
    assert reply["type"] == "error" and reply["code"] == "rate_limited", reply
    assert "limit 3" in reply["message"]
    await a.disconnect()


async def test_one_user_runs_at_most_the_limit_of_propagations(room, settings):
    settings.PROPAGATIONS_MAX_PER_USER = 1
    video, users = room
    a, _ = await connect(users["annotator"], video)
    o1 = await prompted_object(a, video)
    o2 = await prompted_object(a, video, x=100, y=80)
    ctl = dispatch.control()
    gen = ctl.new_job(video.pk)  # a running propagation of o1 by this user
    ctl.set_active(video.pk, gen, {"by": "annotator", "object_ids": [o1]})
    try:
        reply = await request(a, {"type": "propagate.start", "object_ids": [o2]})
        assert reply["type"] == "error" and reply["code"] == "rate_limited", reply
        # One on the same objects replaces the running one, so it is allowed.
        reply = await request(a, {"type": "propagate.start", "object_ids": [o1]})
        assert reply["type"] == "ack", reply
        await recv_until(a, lambda m: m["type"] == "propagation.done", 60)
    finally:
        ctl.clear_active(video.pk, gen)
    await a.disconnect()
