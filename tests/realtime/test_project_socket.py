"""The project page's socket /ws/projects/<id>/: members only, server -> client, and the
video list's changes (video.updated, video.created|ready|failed|deleted) arrive live."""
from __future__ import annotations

import asyncio
import io
import sys

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.files import File
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from webapp.asgi import application
from webapp.projects.models import Membership, Project
from webapp.realtime import protocol as p
from webapp.realtime.broadcast import project_group_name
from webapp.videos import ingest
from webapp.videos.models import Video, VideoStatus
from webapp.videos.synthetic import write_video

pytestmark = pytest.mark.django_db(transaction=True)


def db(fn):
    return database_sync_to_async(fn)()


async def open_socket(user, project_id: int, origin: bytes | None = None):
    token = await db(lambda: Token.objects.get_or_create(user=user)[0].key)
    headers = [(b"authorization", f"Token {token}".encode()), (b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    comm = WebsocketCommunicator(application, f"/ws/projects/{project_id}/", headers=headers)
    ok, _ = await comm.connect()
    assert ok
    return comm


async def joined(user, project_id: int) -> WebsocketCommunicator:
    """A project socket that is in the group (a ping round trip proves the join finished)."""
    comm = await open_socket(user, project_id)
    await comm.send_json_to({"type": "ping", "req": "hello"})
    assert await comm.receive_json_from(timeout=10) == {"type": "pong", "req": "hello"}
    return comm


async def next_msg(comm, timeout=10.0) -> dict:
    msg = await comm.receive_json_from(timeout=timeout)
    p.SERVER_ADAPTER.validate_python(msg)  # everything sent fits the generated schema
    return msg


async def closed_with(comm) -> tuple[list[dict], int, str]:
    """The JSON frames before the close, and the close's code and reason."""
    frames = []
    while True:
        out = await comm.receive_output(timeout=10)
        if out["type"] == "websocket.close":
            return frames, out["code"], out["reason"]
        frames.append(p.SERVER_ADAPTER.validate_json(out["text"]).model_dump(mode="json"))


def rest(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def team(project_with_roles):
    project, users = project_with_roles
    video = Video.objects.create(project=project, name="street.mp4", status="ready",
                                 num_frames=10, width=64, height=48, fps=10)
    return project, video, users


async def test_a_member_hears_another_users_patch_as_video_updated(team):
    project, video, users = team
    comm = await joined(users["annotator"], project.pk)
    resp = await db(lambda: rest(users["owner"]).patch(
        f"/api/videos/{video.pk}/", {"assignee": "annotator", "reviewer": "reviewer",
                                     "stage": "review"}, format="json"))
    assert resp.status_code == 200, resp.content
    assert await next_msg(comm) == {
        "type": "video.updated", "video_id": video.pk, "assignee": "annotator",
        "reviewer": "reviewer", "stage": "review", "reason": None, "by": "owner",
        "second_assignee": None, "name": "street.mp4"}
    # A rename alone is news for the grid too.
    resp = await db(lambda: rest(users["admin"]).patch(
        f"/api/videos/{video.pk}/", {"name": "avenue.mp4"}, format="json"))
    assert resp.status_code == 200, resp.content
    renamed = await next_msg(comm)
    assert (renamed["type"], renamed["name"], renamed["by"]) == ("video.updated", "avenue.mp4",
                                                                 "admin")
    # A refused PATCH changes nothing and says nothing.
    resp = await db(lambda: rest(users["viewer"]).patch(
        f"/api/videos/{video.pk}/", {"stage": "done"}, format="json"))
    assert resp.status_code == 403
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_another_projects_changes_do_not_reach_the_socket(team, make_user):
    project, video, users = team
    other = await db(lambda: Project.objects.create(name="Other", created_by=users["owner"]))
    await db(lambda: Membership.objects.create(project=other, user=users["owner"], role="owner"))
    theirs = await db(lambda: Video.objects.create(project=other, name="x.mp4", status="ready",
                                                   num_frames=1, width=8, height=8, fps=1))
    comm = await joined(users["annotator"], project.pk)
    resp = await db(lambda: rest(users["owner"]).patch(
        f"/api/videos/{theirs.pk}/", {"stage": "done"}, format="json"))
    assert resp.status_code == 200
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_a_non_member_an_unknown_project_and_an_anonymous_client_are_closed(team):
    project, _, users = team
    comm = await open_socket(users["outsider"], project.pk)
    frames, code, reason = await closed_with(comm)
    assert (code, reason) == (4404, p.CLOSE_REASONS[4404])
    assert frames == [{"type": "error", "req": None, "code": "not_found",
                       "message": f"project {project.pk} not found, or you are not a member "
                                  "of it"}]
    missing = project.pk + 1000
    frames, code, _ = await closed_with(await open_socket(users["owner"], missing))
    assert code == 4404 and frames[0]["message"].startswith(f"project {missing} not found")
    anonymous = WebsocketCommunicator(application, f"/ws/projects/{project.pk}/")
    await anonymous.connect()
    assert (await closed_with(anonymous))[1:] == (4401, p.CLOSE_REASONS[4401])
    assert not get_channel_layer().groups.get(project_group_name(project.pk))


async def test_a_foreign_origin_is_refused_before_the_handshake(team):
    project, _, users = team
    token = await db(lambda: Token.objects.get_or_create(user=users["owner"])[0].key)
    bad = WebsocketCommunicator(application, f"/ws/projects/{project.pk}/", headers=[
        (b"authorization", f"Token {token}".encode()), (b"host", b"testserver"),
        (b"origin", b"http://evil.example")])
    ok, _ = await bad.connect()
    assert not ok
    good = await open_socket(users["owner"], project.pk, origin=b"http://testserver")
    await good.send_json_to({"type": "ping"})
    assert (await next_msg(good))["type"] == "pong"
    await good.disconnect()


ONLY_SENDS = ("the project socket only sends; it accepts 'ping' alone, not {!r} (that goes "
              "to /ws/videos/<id>/)")


@pytest.mark.parametrize("frame,req,message", [
    ('{"type": "object.create", "req": 7}', 7, ONLY_SENDS.format("object.create")),
    ('{"type": "sync", "since_seq": 0, "req": "s"}', "s", ONLY_SENDS.format("sync")),
    ('{"type": "subscribe", "req": 8}', 8, "Input tag 'subscribe'"),  # unknown: parse error
    ("not json", None, "message is not valid JSON"),
])
async def test_a_client_message_other_than_ping_is_answered_with_a_precise_error(
        team, frame, req, message):
    project, _, users = team
    comm = await joined(users["viewer"], project.pk)
    await comm.send_to(text_data=frame)
    err = await next_msg(comm)
    assert (err["type"], err["code"], err["req"]) == ("error", "bad_message", req)
    assert err["message"].startswith(message), err["message"]
    # The socket stays open after an error.
    await comm.send_json_to({"type": "ping", "req": 1})
    assert await next_msg(comm) == {"type": "pong", "req": 1}
    await comm.disconnect()


async def test_a_removed_member_is_closed_and_a_new_role_is_announced(team):
    project, _, users = team
    comm = await joined(users["annotator"], project.pk)
    await db(lambda: Membership.objects.filter(project=project, user=users["annotator"])
             .update(role="viewer"))  # update() sends no signal: save() below does
    m = await db(lambda: Membership.objects.get(project=project, user=users["annotator"]))
    await db(m.save)
    # Its own socket hears its new role, and the team changed (as every member hears).
    assert [await next_msg(comm), await next_msg(comm)] == [
        {"type": "access.changed", "role": "viewer"}, {"type": "members.changed"}]
    await db(m.delete)
    frames, code, reason = await closed_with(comm)
    assert (code, reason) == (4403, p.CLOSE_REASONS[4403])
    assert frames == [{"type": "error", "req": None, "code": "forbidden",
                       "message": "your access to this project was removed"}]
    await asyncio.sleep(0.05)
    assert not get_channel_layer().groups.get(project_group_name(project.pk))


async def test_the_team_changing_is_announced_to_the_project_page(team, make_user):
    project, video, users = team
    newcomer = await db(lambda: make_user("newcomer"))
    comm = await joined(users["reviewer"], project.pk)
    resp = await db(lambda: rest(users["owner"]).post(
        f"/api/projects/{project.pk}/members/", {"username": "newcomer", "role": "annotator"},
        format="json"))
    assert resp.status_code == 201, resp.content
    assert await next_msg(comm) == {"type": "members.changed"}
    resp = await db(lambda: rest(users["owner"]).patch(
        f"/api/videos/{video.pk}/", {"assignee": "newcomer"}, format="json"))
    assert resp.status_code == 200, resp.content
    assert (await next_msg(comm))["assignee"] == "newcomer"
    # The newcomer leaves: they are unassigned (webapp.review.signals), and the team changed.
    await db(lambda: Membership.objects.filter(project=project, user=newcomer).delete())
    got = sorted([await next_msg(comm), await next_msg(comm)], key=lambda m: m["type"])
    assert got[0] == {"type": "members.changed"}
    assert (got[1]["type"], got[1]["video_id"], got[1]["assignee"], got[1]["by"]) == (
        "video.updated", video.pk, None, None)
    await comm.disconnect()


async def test_the_per_user_socket_cap_counts_project_sockets(team, settings):
    settings.WS_MAX_SOCKETS_PER_USER = 1
    project, _, users = team
    first = await joined(users["owner"], project.pk)
    second = await open_socket(users["owner"], project.pk)
    frames, code, _ = await closed_with(second)
    assert code == 4429 and frames[0]["code"] == "rate_limited"
    await first.disconnect()
    third = await joined(users["owner"], project.pk)  # the closed one no longer counts
    await third.disconnect()


async def test_upload_delete_and_ingest_are_announced(team, tmp_path, monkeypatch):
    project, video, users = team
    comm = await joined(users["reviewer"], project.pk)
    monkeypatch.setattr("webapp.videos.queue.queue_ingest", lambda video_id: None)
    clip = write_video(tmp_path / "a.mp4", num_frames=6, width=160, height=120)

    def upload():
        f = io.BytesIO(clip.read_bytes())
        f.name = "a.mp4"
        return rest(users["owner"]).post(f"/api/projects/{project.pk}/videos/", {"file": f},
                                         format="multipart")

    resp = await db(upload)
    assert resp.status_code == 201, resp.content
    new_id = resp.json()["id"]
    assert await next_msg(comm) == {"type": "video.created", "video_id": new_id,
                                    "name": "a.mp4", "by": "owner", "error": None}
    await db(lambda: ingest.run_ingest(new_id))
    assert await next_msg(comm, 30) == {"type": "video.ready", "video_id": new_id,
                                        "name": "a.mp4", "by": None, "error": None}

    broken = await db(lambda: Video.objects.create(project=project, name="b.mp4",
                                                   uploaded_by=users["owner"]))
    await db(lambda: broken.file.save("b.mp4", File(io.BytesIO(b"x")), save=True))
    monkeypatch.setattr(ingest, "_child", lambda args: [sys.executable, "-c", "pass"])
    await db(lambda: ingest.run_ingest(broken.pk))
    failed = await next_msg(comm, 30)
    stored = await db(lambda: Video.objects.get(pk=broken.pk))
    assert stored.status == VideoStatus.FAILED
    assert failed == {"type": "video.failed", "video_id": broken.pk, "name": "b.mp4",
                      "by": None, "error": stored.error}

    resp = await db(lambda: rest(users["admin"]).delete(f"/api/videos/{video.pk}/"))
    assert resp.status_code == 204
    assert await next_msg(comm) == {"type": "video.deleted", "video_id": video.pk,
                                    "name": "street.mp4", "by": "admin", "error": None}
    await comm.disconnect()
