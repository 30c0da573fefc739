"""API tokens expire after TOKEN_TTL_HOURS (401 "token expired"), a new sign-in replaces an
expired one, and logout with a token revokes it."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _age(token, hours):
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=hours))


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def test_an_expired_token_is_refused(alice, client_for, settings):
    settings.TOKEN_TTL_HOURS = 24
    c = client_for(alice)
    assert c.get("/api/me/").status_code == 200
    _age(Token.objects.get(user=alice), 25)
    resp = c.get("/api/me/")
    assert resp.status_code == 401 and resp.json()["detail"] == "token expired"


def test_a_ttl_of_zero_means_tokens_never_expire(alice, client_for, settings):
    settings.TOKEN_TTL_HOURS = 0
    c = client_for(alice)
    _age(Token.objects.get(user=alice), 24 * 3650)
    assert c.get("/api/me/").status_code == 200


def test_signing_in_again_replaces_an_expired_token(alice, settings):
    settings.TOKEN_TTL_HOURS = 24
    creds = {"username": "alice", "password": "alice-password"}
    first = APIClient().post("/api/auth/token/", creds, format="json").json()["token"]
    assert APIClient().post("/api/auth/token/", creds, format="json").json()["token"] == first
    _age(Token.objects.get(key=first), 25)
    second = APIClient().post("/api/auth/token/", creds, format="json").json()["token"]
    assert second != first
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert c.get("/api/me/").status_code == 200


def test_logout_with_a_token_revokes_it(alice, client_for):
    c = client_for(alice)
    assert c.post("/api/auth/logout/").status_code == 204
    assert not Token.objects.filter(user=alice).exists()
    assert c.get("/api/me/").status_code == 401


def test_session_logout_keeps_the_users_api_token(alice, client_for):
    key = Token.objects.create(user=alice).key
    c = APIClient()
    c.force_login(alice)
    assert c.post("/api/auth/logout/").status_code == 204
    assert c.get("/api/me/").status_code in (401, 403)
    assert Token.objects.filter(key=key).exists()


def test_the_websocket_token_lookup_refuses_expired_tokens(alice, settings):
    from webapp.accounts.auth import user_for_token_key

    settings.TOKEN_TTL_HOURS = 24
    token = Token.objects.create(user=alice)
    assert user_for_token_key(token.key) == alice
    _age(token, 25)
    assert user_for_token_key(token.key) is None
