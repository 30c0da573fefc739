"""ASGI middleware in front of Django's HTTP app: request bodies under /api/ are bounded
as they arrive, chunked or not, and an upload without any credentials is refused before
its body is read (Django spools a body to disk before authentication runs).

- Upload endpoints (POST …/videos/, …/imports/): 401 JSON at once when the request has no
  Authorization header and no session cookie; 413 JSON once the body passes
  MAX_UPLOAD_MB (+ 1 MB of multipart overhead).
- Every other /api/ request: 413 JSON once the body passes DATA_UPLOAD_MAX_MEMORY_SIZE
  (+ 64 KB), so the anonymous endpoints (token, login) keep their small bodies.

The check is on the bytes received, not only the declared Content-Length, and the rest of
an oversize body is never read: the app sees a client disconnect and the middleware
answers itself.
"""
from __future__ import annotations

import json
import re

from django.conf import settings

UPLOAD_PATHS = re.compile(r"^/api/(projects/[^/]+/videos|videos/[^/]+/imports)/?$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers") or []}


def is_upload(method: str, path: str) -> bool:
    return method == "POST" and bool(UPLOAD_PATHS.match(path))


def body_limit(upload: bool) -> int:
    if upload:
        return settings.MAX_UPLOAD_MB * 1024 * 1024 + 1024 * 1024
    return (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 10 * 1024 * 1024) + 64 * 1024


def _has_credentials(headers: dict[bytes, bytes]) -> bool:
    if headers.get(b"authorization"):
        return True
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    name = settings.SESSION_COOKIE_NAME
    return any(part.strip().startswith(f"{name}=") for part in cookie.split(";"))


async def _json(send, status: int, detail: str, extra: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()  # the API's one error shape
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"), *(extra or [])],
    })
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/") or \
                scope.get("method") not in _BODY_METHODS:
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        try:
            declared = int(headers.get(b"content-length") or 0)
        except ValueError:
            declared = 0
        upload = is_upload(scope["method"], scope["path"])
        limit = body_limit(upload)
        if upload and (declared or chunked) and not _has_credentials(headers):
            return await _json(send, 401, "Authentication credentials were not provided.",
                               [(b"www-authenticate", b"Token")])
        if declared > limit:
            return await _json(send, 413, _too_large(upload))

        state = {"received": 0, "over": False, "responded": False, "ours": False}

        async def counted_receive():
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    if not state["responded"]:
                        state["responded"] = state["ours"] = True
                        await _json(send, 413, _too_large(upload))
                    # Django stops reading (RequestAborted) and answers nothing more.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if state["ours"]:
                return  # our 413 went out already
            if message["type"] == "http.response.start":
                state["responded"] = True
            await send(message)

        return await self.app(scope, counted_receive, guarded_send)


def _too_large(upload: bool) -> str:
    if upload:
        return f"the upload exceeds the {settings.MAX_UPLOAD_MB} MB limit"
    return (f"the request body exceeds the {body_limit(False) // 1024} KB limit for this endpoint")
