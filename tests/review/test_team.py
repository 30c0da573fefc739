"""The team in the app: password change, user search for autocomplete, and role changes
pushed to open editors (`access.changed`)."""
import asyncio

import pytest

from tests.realtime.conftest import make_ready_video
from tests.realtime.test_consumer import connect, db, recv_until


def test_password_change(make_user, client_for):
    user = make_user("ann")
    c = client_for(user)
    r = c.post("/api/auth/password/", {"old_password": "nope", "new_password": "x"},
               format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"old_password": ["the current password is wrong"]}
    r = c.post("/api/auth/password/", {"old_password": "ann-password", "new_password": "ann"},
               format="json")
    assert r.status_code == 400 and r.json()["errors"]["new_password"]  # the validators say why
    r = c.post("/api/auth/password/", {"old_password": "ann-password", "new_password": 5},
               format="json")
    assert r.status_code == 400
    r = c.post("/api/auth/password/", {"old_password": "ann-password",
                                       "new_password": "a much better secret 42"},
               format="json")
    assert r.status_code == 204
    user.refresh_from_db()
    assert user.check_password("a much better secret 42")
    assert client_for(None).post("/api/auth/password/", {}, format="json").status_code == 401


def test_a_session_stays_signed_in_after_changing_its_password(make_user, client):
    make_user("bo")
    client.login(username="bo", password="bo-password")
    r = client.post("/api/auth/password/", {"old_password": "bo-password",
                                            "new_password": "another good secret 7"},
                    content_type="application/json")
    assert r.status_code == 204
    assert client.get("/api/me/").status_code == 200


@pytest.mark.parametrize("who,code", [("owner", 200), ("admin", 200), ("annotator", 403),
                                      ("reviewer", 403), ("viewer", 403), ("outsider", 403)])
def test_user_search_is_for_owners_admins_and_staff(project_with_roles, client_for, who, code):
    _, users = project_with_roles
    r = client_for(users[who]).get("/api/users/?q=view")
    assert r.status_code == code
    if code == 200:
        # Names starting with q first; ids and usernames only (no email).
        assert r.json() == [{"id": users["viewer"].pk, "username": "viewer"},
                            {"id": users["reviewer"].pk, "username": "reviewer"}]


def test_user_search(project_with_roles, client_for, make_user):
    _, users = project_with_roles
    make_user("zed", is_staff=True, email="zed@example.com")
    make_user("gone", is_active=False)
    staff = client_for(users["owner"].__class__.objects.get(username="zed"))
    names = [u["username"] for u in staff.get("/api/users/?q=o").json()]
    assert names[0] == "outsider" and "gone" not in names  # starts-with first, active only
    assert "email" not in staff.get("/api/users/?q=zed").json()[0]
    r = staff.get("/api/users/")
    assert r.status_code == 400
    assert r.json()["errors"] == {"q": ["the query parameter q (part of a username) is required"]}
    assert client_for(None).get("/api/users/?q=a").status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_a_role_change_reaches_the_open_editor(project_with_roles, client_for):
    project, users = project_with_roles
    video = await db(lambda: make_ready_video(project))
    ann, _ = await connect(users["annotator"], video)
    api = await db(lambda: client_for(users["owner"]))
    resp = await db(lambda: api.patch(f"/api/projects/{project.pk}/members/annotator/",
                                      {"role": "reviewer"}, format="json"))
    assert resp.status_code == 200
    msg = await recv_until(ann, lambda m: m["type"] == "access.changed")
    assert msg == {"type": "access.changed", "role": "reviewer"}
    await ann.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_live_masks_are_scored_and_flags_reach_the_room(project_with_roles):
    """End to end in the embedded mode: a click's masks are stored by the inference thread,
    whose hook scores them and broadcasts `flags` for the clicked masklet."""
    from tests.realtime.test_consumer import prompted_object
    from webapp.realtime import protocol as p
    from webapp.review.models import FlagState

    project, users = project_with_roles
    video = await db(lambda: make_ready_video(project))
    comm, _ = await connect(users["annotator"], video)
    oid = await prompted_object(comm, video)
    msg = await recv_until(comm, lambda m: m["type"] == "flags")
    p.SERVER_ADAPTER.validate_python(msg)
    assert msg["object_id"] == oid and msg["start"] <= 0 <= msg["end"]
    for _ in range(100):  # the hook records what it scored just after it broadcast
        state = await db(lambda: FlagState.objects.get(video=video))
        if state.scored_seq > 0:
            break
        await asyncio.sleep(0.05)
    assert state.scored_seq > 0
    await comm.disconnect()
