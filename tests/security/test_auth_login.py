"""Sign-in: failures are throttled per username and per address (429 + Retry-After), and a
session sign-in needs the CSRF token like any other session POST."""
import pytest
from rest_framework.test import APIClient


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def _login(path, password, client=None, **extra):
    client = client or APIClient()
    return client.post(path, {"username": "alice", "password": password}, format="json", **extra)


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/token/"])
def test_failed_sign_ins_are_throttled_per_username(alice, settings, path):
    settings.LOGIN_RATE = "3/min"
    for _ in range(3):
        assert _login(path, "wrong").status_code in (401, 403)
    # Over the limit even the right password waits, from another address too.
    resp = _login(path, "alice-password", REMOTE_ADDR="10.9.9.9")
    assert resp.status_code == 429
    assert 1 <= int(resp["Retry-After"]) <= 60
    assert "too many failed sign-ins" in resp.json()["detail"]


def test_failed_sign_ins_are_throttled_per_address(make_user, settings):
    settings.LOGIN_IP_RATE = "4/min"
    for i in range(4):
        make_user(f"u{i}")
        resp = APIClient().post("/api/auth/token/", {"username": f"u{i}", "password": "x"},
                                format="json", REMOTE_ADDR="10.0.0.7")
        assert resp.status_code in (401, 403)
    make_user("fresh")
    ok = {"username": "fresh", "password": "fresh-password"}
    assert APIClient().post("/api/auth/token/", ok, format="json",
                            REMOTE_ADDR="10.0.0.7").status_code == 429
    assert APIClient().post("/api/auth/token/", ok, format="json",
                            REMOTE_ADDR="10.0.0.8").status_code == 200


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(make_user, settings):
    settings.LOGIN_IP_RATE = "2/min"
    for i in range(2):
        APIClient().post("/api/auth/token/", {"username": "nobody", "password": "x"},
                         format="json", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    make_user("bob")
    resp = APIClient().post("/api/auth/token/", {"username": "bob", "password": "bob-password"},
                            format="json", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert resp.status_code == 429  # a spoofed header does not buy a fresh counter


def test_a_successful_sign_in_does_not_count(alice, settings):
    settings.LOGIN_RATE = "2/min"
    for _ in range(5):
        assert _login("/api/auth/token/", "alice-password").status_code == 200


def test_session_sign_in_without_the_csrf_token_sets_no_session(alice):
    # A cross-site form: no CSRF cookie, no header.
    c = APIClient(enforce_csrf_checks=True)
    resp = c.post("/api/auth/login/", {"username": "alice", "password": "alice-password"})
    assert resp.status_code == 403 and "CSRF" in resp.json()["detail"]
    assert "sessionid" not in c.cookies
    assert c.get("/api/me/").status_code in (401, 403)


def test_session_sign_in_with_the_csrf_cookie_and_header(alice):
    c = APIClient(enforce_csrf_checks=True)
    assert c.get("/api/auth/csrf/").status_code == 204
    token = c.cookies["csrftoken"].value
    resp = _login("/api/auth/login/", "alice-password", client=c, HTTP_X_CSRFTOKEN=token)
    assert resp.status_code == 200 and resp.json()["username"] == "alice"
    assert c.get("/api/me/").json()["username"] == "alice"


def test_signed_out_me_sets_the_csrf_cookie_the_sign_in_page_uses(db):
    c = APIClient(enforce_csrf_checks=True)
    assert c.get("/api/me/").status_code in (401, 403)
    assert c.cookies["csrftoken"].value
