"""The websocket half of the permission matrix, from one table: role × message → allowed or
`forbidden`. (REST: test_rest_permission_matrix.py; revocation: test_ws_limits.py.)"""
from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from tests.realtime.conftest import make_ready_video
from tests.realtime.test_consumer import db, recv_until, request
from tests.security.test_ws_fuzz import RLE
from webapp.annotations.models import Object
from webapp.asgi import application
from webapp.realtime.protocol import CLOSE_REASONS

pytestmark = pytest.mark.django_db(transaction=True)

EDIT = {"owner", "admin", "annotator"}
REVIEW = {"owner", "admin", "reviewer"}
MEMBERS = {"owner", "admin", "annotator", "reviewer", "viewer"}

# (message, roles allowed). Objects: A is prompted and renamed, B accepted, C submitted,
# D deleted; each role gets its own four.
MATRIX = [
    ({"type": "object.create"}, EDIT),
    ({"type": "object.update", "object_id": "A", "name": "renamed"}, EDIT),
    ({"type": "object.update", "object_id": "B", "review_status": "accepted"}, REVIEW),
    ({"type": "object.update", "object_id": "C", "review_status": "submitted"},
     EDIT | {"reviewer"}),
    ({"type": "prompt.add", "object_id": "A", "frame": 0, "points": [[30, 40]], "labels": [1]},
     EDIT),
    ({"type": "prompt.mask", "object_id": "A", "frame": 2,
      "rle": {"size": [120, 160], "counts": RLE}}, EDIT),
    ({"type": "propagate.start", "object_ids": ["A"], "frame": 0, "max_frames": 3}, EDIT),
    ({"type": "propagate.cancel"}, EDIT),
    ({"type": "object.delete", "object_id": "D"}, EDIT),
    ({"type": "object.split", "object_id": "A", "frame": 1}, EDIT),
    ({"type": "object.duplicate", "object_id": "A"}, EDIT),
    ({"type": "masks.clear", "object_id": "A", "start": 0, "end": 2}, EDIT),
    ({"type": "object.merge", "object_id": "C", "into_id": "A"}, EDIT),
    ({"type": "sync", "since_seq": 0}, MEMBERS),
    ({"type": "presence", "frame": 1}, MEMBERS),
    ({"type": "ping"}, MEMBERS),
]


def _resolve(msg: dict, objs: dict) -> dict:
    out = {k: objs.get(v, v) if isinstance(v, str) and k in ("object_id", "into_id") else v
           for k, v in msg.items()}
    if "object_ids" in out:
        out["object_ids"] = [objs[o] for o in out["object_ids"]]
    return out


async def _reply(comm, msg: dict) -> dict:
    if msg["type"] == "ping":
        req = "matrix-ping"
        await comm.send_json_to(dict(msg, req=req))
        return await recv_until(comm, lambda m: m.get("req") == req and m["type"] in
                                ("pong", "error"))
    if msg["type"] == "sync":
        await comm.send_json_to(dict(msg, req="matrix-sync"))
        return await recv_until(comm, lambda m: m.get("req") == "matrix-sync" and m["type"] in
                                ("sync.done", "error"))
    return await request(comm, msg)


@pytest.mark.parametrize("role", sorted(MEMBERS | {"outsider"}))
async def test_each_role_may_send_exactly_what_the_table_allows(project_with_roles, role):
    project, users = project_with_roles
    video = await db(lambda: make_ready_video(project))

    def objects():
        made = {k: Object.objects.create(video=video, name=f"{role}-{k}") for k in "ABCD"}
        Object.objects.filter(pk=made["B"].pk).update(review_status="submitted")
        return {k: o.pk for k, o in made.items()}

    objs = await db(objects)
    token = await db(lambda: Token.objects.get_or_create(user=users[role])[0].key)
    comm = WebsocketCommunicator(application, f"/ws/videos/{video.pk}/", headers=[
        (b"authorization", f"Token {token}".encode()), (b"host", b"testserver")])
    ok, _ = await comm.connect()
    if role == "outsider":  # not a member: the handshake is closed, nothing is sent
        assert ok
        out = await comm.receive_output(5)
        assert out == {"type": "websocket.close", "code": 4404,
                       "reason": CLOSE_REASONS[4404]}, out
        return
    state = await comm.receive_json_from(10)
    assert state["type"] == "session.state" and state["role"] == role
    got = {}
    for msg, allowed in MATRIX:
        reply = await _reply(comm, _resolve(msg, objs))
        label = msg["type"] + (f"[{msg.get('review_status')}]" if "review_status" in msg else "")
        got[label] = ("allowed" if reply["type"] != "error" else reply["code"])
        expected = "allowed" if role in allowed else "forbidden"
        assert got[label] == expected, (role, label, reply)
    await comm.disconnect()
