"""Against a live embedded server (uvicorn, SQLite): a raw chunked upload with no
credentials gets its 401 after a few KB, and the server's temp dir stays empty; an
authenticated chunked upload past MAX_UPLOAD_MB is cut off with 413."""
import json
import os
import socket
import time

import pytest

from tests.realtime.stack import Stack

MB = 1024 * 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bodies")
    (tmp / "tmpdir").mkdir()
    s = Stack(tmp, embedded=True, sqlite=True, users={"alice": "owner"},
              videos={"short": (4, 64, 48)},
              env={"MAX_UPLOAD_MB": "2", "TMPDIR": str(tmp / "tmpdir")})
    s.start()
    yield s
    s.stop()


def _stream_chunked(port: int, path: str, headers: dict, offer: int) -> tuple[int, int, dict]:
    """POST a chunked body of up to `offer` bytes, 64 KB a chunk, until the server answers.
    Returns (status, bytes sent before the answer, json body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Type: multipart/form-data; boundary=xyz\r\n" + head + "\r\n").encode())
    chunk = b"%x\r\n" % (64 * 1024) + b"x" * (64 * 1024) + b"\r\n"
    sock.setblocking(False)
    sent, reply = 0, b""
    try:
        while sent < offer:
            try:
                reply += sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                pass
            if b"\r\n\r\n" in reply:
                break
            try:
                sock.sendall(chunk)
                sent += 64 * 1024
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
        sock.setblocking(True)
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < 2:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    finally:
        sock.close()
    status = int(reply.split(b" ", 2)[1])
    body = reply.split(b"\r\n\r\n", 1)[1]
    return status, sent, json.loads(body[body.index(b"{"):body.rindex(b"}") + 1])


def test_an_anonymous_chunked_upload_is_refused_before_the_body(stack):
    status, sent, body = _stream_chunked(
        stack.port, f"/api/projects/{stack.project_id}/videos/", {}, 1024 * MB)
    assert status == 401, body
    assert sent < 4 * MB  # a 1 GiB offer; only socket buffers' worth went out
    assert os.listdir(stack.tmp / "tmpdir") == []


def test_an_authenticated_chunked_upload_past_the_limit_gets_413(stack):
    status, sent, body = _stream_chunked(
        stack.port, f"/api/projects/{stack.project_id}/videos/",
        {"Authorization": f"Token {stack.tokens['alice']}"}, 1024 * MB)
    assert status == 413 and body["detail"] == "the upload exceeds the 2 MB limit"
    assert sent < 16 * MB
    assert os.listdir(stack.tmp / "tmpdir") == []
