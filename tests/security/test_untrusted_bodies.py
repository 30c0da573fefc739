"""Request bodies are bounded before authentication: an anonymous upload is refused before
its body is read, and a body (chunked or not) is cut off with 413 once it passes the
endpoint's limit; measured as the number of chunks the server consumed."""
import asyncio
import json

import pytest

from webapp.asgi import application

CHUNK = 64 * 1024


def run_request(method: str, path: str, headers: list, total_chunks: int, chunk=b"x" * CHUNK):
    """Send `total_chunks` chunks through the full ASGI app; returns (status, body, chunks
    the app consumed)."""
    state = {"consumed": 0}
    out: list = []

    async def receive():
        if state["consumed"] < total_chunks:
            state["consumed"] += 1
            more = state["consumed"] < total_chunks
            return {"type": "http.request", "body": chunk, "more_body": more}
        await asyncio.Event().wait()  # the client stays connected, sending nothing

    async def send(message):
        out.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }

    async def go():
        await asyncio.wait_for(application(scope, receive, send), timeout=60)

    asyncio.run(go())
    start = next(m for m in out if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return start["status"], body, state["consumed"]


CHUNKED = [(b"transfer-encoding", b"chunked"),
           (b"content-type", b"multipart/form-data; boundary=xyz")]


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_chunked_upload_is_refused_before_its_body_is_read():
    # 1 GiB offered (16384 chunks of 64 KB); not one chunk may be read before the 401.
    status, body, consumed = run_request("POST", "/api/projects/1/videos/", CHUNKED, 16384)
    assert status == 401
    assert json.loads(body) == {"detail": "Authentication credentials were not provided."}
    assert consumed == 0


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_import_is_refused_before_its_body_is_read():
    status, _, consumed = run_request("POST", "/api/videos/1/imports/", CHUNKED, 16384)
    assert status == 401 and consumed == 0


@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_over_the_limit_is_cut_off_with_413(settings):
    settings.MAX_UPLOAD_MB = 1
    headers = [*CHUNKED, (b"authorization", b"Token not-checked-before-the-body")]
    status, body, consumed = run_request("POST", "/api/projects/1/videos/", headers, 1600)
    assert status == 413
    assert json.loads(body) == {"detail": "the upload exceeds the 1 MB limit"}
    # 1 MB + 1 MB of multipart slack = 32 chunks of 64 KB, then it stops reading.
    assert consumed <= 34


@pytest.mark.django_db(transaction=True)
def test_a_declared_length_over_the_limit_is_refused_unread(settings):
    settings.MAX_UPLOAD_MB = 1
    headers = [(b"content-length", str(100 * 1024 * 1024).encode()),
               (b"authorization", b"Token x")]
    status, _, consumed = run_request("POST", "/api/projects/1/videos/", headers, 1600)
    assert status == 413 and consumed == 0


@pytest.mark.django_db(transaction=True)
def test_other_endpoints_are_bounded_by_the_data_limit_even_anonymous():
    headers = [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]
    status, body, consumed = run_request("POST", "/api/auth/token/", headers, 1600)
    assert status == 413 and "limit for this endpoint" in json.loads(body)["detail"]
    assert consumed <= (10 * 1024 * 1024 + 64 * 1024) // CHUNK + 2


@pytest.mark.django_db(transaction=True)
def test_anonymous_endpoints_still_get_their_small_bodies(make_user):
    make_user("alice")
    data = json.dumps({"username": "alice", "password": "alice-password"}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(data)).encode())]
    status, body, consumed = run_request("POST", "/api/auth/token/", headers, 1, chunk=data)
    assert status == 200, body
    assert "token" in json.loads(body) and consumed == 1
