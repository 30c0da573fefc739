"""Token auth with an expiry: a token older than TOKEN_TTL_HOURS is refused (401 "token expired")
and replaced by the next `POST /api/auth/token/`."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token: Token) -> bool:
    ttl_hours = settings.TOKEN_TTL_HOURS
    return ttl_hours > 0 and token.created < timezone.now() - timedelta(hours=ttl_hours)


def fresh_token(user) -> Token:
    """The user's token, replaced by a new one when the old one has expired."""
    token, _ = Token.objects.get_or_create(user=user)
    if token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def user_for_token_key(key: str):
    """The active user a token key belongs to, or None (unknown, expired or inactive).
    For transports outside DRF (the websocket handshake)."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active or token_expired(token):
        return None
    return token.user


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed("token expired")
        return user, token
