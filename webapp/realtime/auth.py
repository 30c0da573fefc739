"""WebSocket auth: session cookie or `Authorization: Token <key>`, and Origin validation.

A browser always sends `Origin`; it must be the request's own host (and that host must be
in ALLOWED_HOSTS) or listed in CSRF_TRUSTED_ORIGINS, else the handshake is refused (403)
before any consumer code runs. Token clients (scripts) may send no Origin at all.
"""
from __future__ import annotations

from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def origin_allowed(scope) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parsed = urlparse(origin)
    if not parsed.scheme or not parsed.netloc:
        return False
    host = _header(scope, b"host")
    if host is None or parsed.netloc.lower() != host.lower():
        return False
    domain, _port = split_domain_port(host)
    return validate_host(domain, settings.ALLOWED_HOSTS)


@database_sync_to_async
def _user_for_token(key: str):
    from webapp.accounts.auth import user_for_token_key

    return user_for_token_key(key)  # the REST rule: unknown, expired or inactive -> None


class TokenOrSessionMiddleware:
    """Prefers `Authorization: Token` over the session cookie when both are present."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        auth = _header(scope, b"authorization")
        if auth and auth.lower().startswith("token "):
            user = await _user_for_token(auth[6:].strip())
            scope = dict(scope, user=user or AnonymousUser())
        return await self.inner(scope, receive, send)


class OriginValidator:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            # Refuse the handshake: the server answers HTTP 403.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 4403})
            return
        return await self.inner(scope, receive, send)


def WebsocketAuthMiddleware(inner):
    return OriginValidator(AuthMiddlewareStack(TokenOrSessionMiddleware(inner)))
