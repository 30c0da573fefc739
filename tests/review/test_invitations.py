"""Set-password links: staff password resets (POST /api/users/{id}/password-reset/), invitations
(POST /api/users/ without a password, POST /api/projects/{id}/invitations/) and the link itself
(GET|POST /api/auth/password/reset/)."""
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from webapp.projects.models import Membership, Project

RESET = "/api/auth/password/reset/"
NEW_PW = "Tq9-orchard-lamp"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # failure counters live in the cache
    yield
    cache.clear()


def _link(url: str) -> tuple[str, str]:
    path = urlparse(url).path
    assert path.startswith("/reset/"), url
    uid, token = path[len("/reset/"):].split("/")
    return uid, token


def _reset_link(client, user) -> tuple[str, str]:
    r = client.post(f"/api/users/{user.pk}/password-reset/")
    assert r.status_code == 200, r.content
    assert r.json()["expires_hours"] == 72
    assert r.json()["url"].startswith("http://testserver/reset/")
    return _link(r.json()["url"])


def _sign_in(username, password) -> int:
    return APIClient().post("/api/auth/token/", {"username": username, "password": password},
                            format="json").status_code


def test_a_reset_link_works_once_and_revokes_tokens_and_sessions(make_user, client_for):
    staff = client_for(make_user("stan", is_staff=True))
    ivy = make_user("ivy")
    ivy_api = client_for(ivy)
    browser = APIClient()
    browser.force_login(ivy)  # a session signed in before the reset
    assert ivy_api.get("/api/me/").status_code == 200
    assert browser.get("/api/me/").status_code == 200
    uid, token = _reset_link(staff, ivy)

    check = APIClient().get(RESET, {"uid": uid, "token": token})
    assert check.status_code == 200 and check.json() == {"username": "ivy", "invited": False}
    r = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": NEW_PW}, format="json")
    assert r.status_code == 204, r.content

    assert _sign_in("ivy", NEW_PW) == 200
    assert _sign_in("ivy", "ivy-password") == 403
    assert not Token.objects.filter(key=ivy_api._credentials["HTTP_AUTHORIZATION"][6:]).exists()
    assert ivy_api.get("/api/me/").status_code == 401
    assert browser.get("/api/me/").status_code == 401  # the old session ended
    # Once: the same link again is refused with the reason.
    again = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": "Other-pw-9x"},
                             format="json")
    assert again.status_code == 400
    assert again.json()["detail"].startswith("this link is not valid: it was already used")
    assert _sign_in("ivy", NEW_PW) == 200


def test_an_expired_or_mangled_link_is_a_precise_400(make_user, client_for, monkeypatch):
    staff = client_for(make_user("stan", is_staff=True))
    ivy = make_user("ivy")
    uid, token = _reset_link(staff, ivy)
    body = {"uid": uid, "token": token, "new_password": NEW_PW}

    bad = APIClient().post(RESET, {**body, "token": token[:-1] + ("0" if token[-1] != "0" else "1")},
                           format="json")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("this link is not valid")
    nobody = APIClient().post(RESET, {**body, "uid": "zzzz"}, format="json")
    assert nobody.status_code == 400 and nobody.json()["detail"].startswith("this link is not valid")

    later = default_token_generator._now() + timedelta(hours=73)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    expired = APIClient().post(RESET, body, format="json")
    assert expired.status_code == 400
    assert expired.json()["detail"] == "this link has expired (links last 72 hours); ask for a new link"
    assert _sign_in("ivy", "ivy-password") == 200  # nothing changed


def test_the_new_password_meets_the_validators(make_user, client_for):
    staff = client_for(make_user("stan", is_staff=True))
    ivy = make_user("ivy")
    uid, token = _reset_link(staff, ivy)
    r = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": "12345"}, format="json")
    assert r.status_code == 400
    msgs = r.json()["errors"]["new_password"]
    assert any("too short" in m for m in msgs) and any("entirely numeric" in m for m in msgs)
    missing = APIClient().post(RESET, {"uid": uid, "token": token}, format="json")
    assert missing.status_code == 400 and "new_password" in missing.json()["errors"]
    # A refused password does not spend the link.
    ok = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": NEW_PW}, format="json")
    assert ok.status_code == 204


def test_bad_links_are_throttled_like_sign_ins(make_user, client_for, settings):
    settings.LOGIN_RATE = "3/min"
    staff = client_for(make_user("stan", is_staff=True))
    ivy = make_user("ivy")
    uid, token = _reset_link(staff, ivy)
    for _ in range(3):
        r = APIClient().post(RESET, {"uid": uid, "token": "1-abc", "new_password": NEW_PW},
                             format="json")
        assert r.status_code == 400
    r = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": NEW_PW}, format="json")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert r.json()["detail"].startswith("too many failed set-password links")
    assert _sign_in("ivy", "ivy-password") == 200  # the guessed-at account kept its password


def test_only_staff_make_reset_links_and_only_superusers_for_staff(make_user, client_for, project_with_roles):
    _, users = project_with_roles
    ivy = make_user("ivy")
    stan = make_user("stan", is_staff=True)
    sue = make_user("sue", is_staff=True, is_superuser=True)
    for who in ("owner", "admin", "annotator"):
        r = client_for(users[who]).post(f"/api/users/{ivy.pk}/password-reset/")
        assert r.status_code == 403, who
    assert APIClient().post(f"/api/users/{ivy.pk}/password-reset/").status_code == 401
    assert client_for(stan).post("/api/users/999999/password-reset/").status_code == 404
    r = client_for(stan).post(f"/api/users/{sue.pk}/password-reset/")
    assert r.status_code == 403 and "only a superuser" in r.json()["detail"]
    assert client_for(sue).post(f"/api/users/{stan.pk}/password-reset/").status_code == 200
    ivy.is_active = False
    ivy.save()
    r = client_for(stan).post(f"/api/users/{ivy.pk}/password-reset/")
    assert r.status_code == 400 and r.json()["detail"].startswith("ivy is deactivated")


def test_staff_invite_without_a_password_then_the_invitee_signs_in(make_user, client_for):
    staff = client_for(make_user("stan", is_staff=True))
    r = staff.post("/api/users/", {"username": "ike", "email": "ike@example.org"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert {k: body[k] for k in ("username", "email", "is_staff")} == {
        "username": "ike", "email": "ike@example.org", "is_staff": False}
    assert body["expires_hours"] == 72
    ike = get_user_model().objects.get(username="ike")
    assert not ike.has_usable_password()
    assert _sign_in("ike", "") == 400 and _sign_in("ike", "anything-at-all") == 403
    uid, token = _link(body["invite_url"])
    assert APIClient().get(RESET, {"uid": uid, "token": token}).json() == {"username": "ike",
                                                                          "invited": True}
    r = APIClient().post(RESET, {"uid": uid, "token": token, "new_password": NEW_PW}, format="json")
    assert r.status_code == 204
    assert _sign_in("ike", NEW_PW) == 200
    # With a password the answer is as before: no link.
    r = staff.post("/api/users/", {"username": "iris", "password": NEW_PW}, format="json")
    assert r.status_code == 201 and set(r.json()) == {"id", "username", "email", "is_staff"}


def test_signing_in_spends_an_unused_link(make_user, client_for):
    staff = client_for(make_user("stan", is_staff=True))
    make_user("ivy")
    uid, token = _reset_link(staff, get_user_model().objects.get(username="ivy"))
    assert APIClient().login(username="ivy", password="ivy-password")  # last_login moves
    r = APIClient().get(RESET, {"uid": uid, "token": token})
    assert r.status_code == 400 and "signed in since" in r.json()["detail"]


def test_owners_and_admins_invite_into_their_project(project_with_roles, client_for):
    project, users = project_with_roles
    url = f"/api/projects/{project.pk}/invitations/"
    r = client_for(users["admin"]).post(url, {"username": "ivy", "role": "annotator"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["member"]["username"] == "ivy" and r.json()["member"]["role"] == "annotator"
    assert Membership.objects.get(project=project, user__username="ivy").role == "annotator"
    uid, token = _link(r.json()["invite_url"])
    assert APIClient().post(RESET, {"uid": uid, "token": token, "new_password": NEW_PW},
                            format="json").status_code == 204
    ivy_token = APIClient().post("/api/auth/token/", {"username": "ivy", "password": NEW_PW},
                                 format="json").json()["token"]
    ivy = APIClient()
    ivy.credentials(HTTP_AUTHORIZATION=f"Token {ivy_token}")
    assert [p["id"] for p in ivy.get("/api/projects/").json()["results"]] == [project.pk]

    # Only an owner may invite an owner; the username must be free.
    r = client_for(users["admin"]).post(url, {"username": "ike", "role": "owner"}, format="json")
    assert r.status_code == 403 and "only an owner" in r.json()["detail"]
    assert not get_user_model().objects.filter(username="ike").exists()
    r = client_for(users["owner"]).post(url, {"username": "IVY", "role": "viewer"}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["username"] == [
        "a user with that username already exists"]
    assert client_for(users["owner"]).post(url, {"username": "ike", "role": "owner"},
                                           format="json").status_code == 201


@pytest.mark.parametrize("who", ["annotator", "reviewer", "viewer"])
def test_other_roles_may_not_invite(project_with_roles, client_for, who):
    project, users = project_with_roles
    r = client_for(users[who]).post(f"/api/projects/{project.pk}/invitations/",
                                    {"username": "ivy", "role": "viewer"}, format="json")
    assert r.status_code == 403 and f"your role ({who})" in r.json()["detail"]
    assert not get_user_model().objects.filter(username="ivy").exists()


def test_an_owner_of_another_project_gets_404(project_with_roles, client_for, make_user):
    project, _users = project_with_roles
    other_owner = make_user("oscar")
    other = Project.objects.create(name="Other", created_by=other_owner)
    Membership.objects.create(project=other, user=other_owner, role="owner")
    r = client_for(other_owner).post(f"/api/projects/{project.pk}/invitations/",
                                     {"username": "ivy", "role": "viewer"}, format="json")
    assert r.status_code == 404
    assert not get_user_model().objects.filter(username="ivy").exists()
