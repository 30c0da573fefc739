"""Token and session auth (with CSRF), staff-only user creation, OpenAPI schema, deploy checks."""
import os
import subprocess
import sys

import pytest
from django.conf import settings as dj_settings
from rest_framework.test import APIClient


def test_token_auth_gives_a_token_that_works(make_user):
    make_user("alice")
    c = APIClient()
    resp = c.post("/api/auth/token/", {"username": "alice", "password": "alice-password"}, format="json")
    assert resp.status_code == 200
    c.credentials(HTTP_AUTHORIZATION=f"Token {resp.json()['token']}")
    assert c.get("/api/me/").json()["username"] == "alice"


def test_wrong_password_is_a_clear_401(make_user):
    make_user("alice")
    resp = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert resp.status_code in (401, 403) and "wrong username or password" in resp.json()["detail"]
    resp = APIClient().post("/api/auth/token/", {"username": "alice"}, format="json")
    assert resp.status_code == 400 and "password" in resp.json()["detail"]


def test_session_login_enforces_csrf_then_logout(make_user):
    make_user("alice")
    c = APIClient(enforce_csrf_checks=True)
    # Sign-in is a session POST too: first the CSRF cookie, then its token in X-CSRFToken.
    c.get("/api/auth/csrf/")
    resp = c.post("/api/auth/login/", {"username": "alice", "password": "alice-password"},
                  format="json", HTTP_X_CSRFTOKEN=c.cookies["csrftoken"].value)
    assert resp.status_code == 200 and resp.json()["username"] == "alice"
    assert c.get("/api/me/").status_code == 200
    token = c.cookies["csrftoken"].value
    no_csrf = c.post("/api/projects/", {"name": "x"}, format="json")
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"]
    ok = c.post("/api/projects/", {"name": "x"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201
    assert c.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=c.cookies["csrftoken"].value).status_code == 204
    assert c.get("/api/me/").status_code in (401, 403)


def test_only_staff_create_users(make_user, client_for):
    body = {"username": "newbie", "password": "a-long-password"}
    assert client_for(make_user("alice")).post("/api/users/", body, format="json").status_code == 403
    staff = client_for(make_user("root", is_staff=True))
    resp = staff.post("/api/users/", body, format="json")
    assert resp.status_code == 201 and resp.json()["username"] == "newbie"
    again = staff.post("/api/users/", body, format="json")
    assert again.status_code == 400 and "already exists" in again.json()["detail"]
    short = staff.post("/api/users/", {"username": "x", "password": "short"}, format="json")
    assert short.status_code == 400 and "password" in short.json()["detail"]


def test_model_info_reports_random_weights_by_default(make_user, client_for):
    body = client_for(make_user("alice")).get("/api/model/").json()
    assert body["model"] == "random-tiny" and body["random_weights"] is True


def test_openapi_schema_validates_and_has_the_contract_paths(make_user, client_for):
    from openapi_spec_validator import validate

    resp = client_for(make_user("alice")).get("/api/schema/?format=json")
    assert resp.status_code == 200
    import json

    schema = json.loads(resp.content)
    validate(schema)
    for path in [
        "/api/auth/token/", "/api/projects/", "/api/projects/{project_id}/members/",
        "/api/projects/{project_id}/videos/", "/api/videos/{video_id}/",
        "/api/videos/{video_id}/frames/{n}.jpg", "/api/videos/{video_id}/objects/",
        "/api/videos/{video_id}/masks/",
    ]:
        assert path in schema["paths"], path


def test_the_spa_serves_deep_links(client):
    for url in ["/", "/login", "/projects/3", "/videos/7", "/reset/MTI/cz1k2a-0f3e9a8b7c6d5e4f"]:
        resp = client.get(url)
        assert resp.status_code in (200, 503), url  # 503 only when the frontend is not built
        assert b"Maskflow" in resp.content or b"maskflow" in resp.content.lower()


def test_check_deploy_is_clean_with_production_env(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 64 + "-production-secret-that-is-long-enough",
        "ALLOWED_HOSTS": "maskflow.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "MASKFLOW_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=dj_settings.BASE_DIR, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_a_bad_boolean_env_value_fails_loudly(monkeypatch):
    from webapp.env import envbool

    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ValueError, match="DEBUG"):
        envbool("DEBUG", False)
