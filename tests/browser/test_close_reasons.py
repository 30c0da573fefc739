"""App close codes carry their one reason (webapp.realtime.protocol.CLOSE_REASONS) on a real
server, read by a plain websockets client, and the editor shows it to the person closed out."""
from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from webapp.realtime.protocol import CLOSE_REASONS

from .conftest import VIEWPORT, wait_live


def _ws(server, video_id: int, token: str | None = None):
    url = server.base.replace("http", "ws", 1) + f"/ws/videos/{video_id}/"
    headers = {"Authorization": f"Token {token}"} if token else None
    return connect(url, additional_headers=headers, open_timeout=20)


def _closed(ws) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as exc:
        while True:
            ws.recv(timeout=20)
    return exc.value.rcvd.code, exc.value.rcvd.reason


def test_an_anonymous_socket_and_a_stranger_are_closed_with_the_reason(mf_server, seed):
    with _ws(mf_server, seed.video["id"]) as ws:
        assert _closed(ws) == (4401, CLOSE_REASONS[4401])
    admin = mf_server.api("admin")
    r = admin.post(f"{mf_server.base}/api/users/", json={"username": "sam", "password": "sam-pass-1"}, timeout=30)
    assert r.status_code == 201, r.text
    token = admin.post(f"{mf_server.base}/api/auth/token/",
                       json={"username": "sam", "password": "sam-pass-1"}, timeout=30).json()["token"]
    with _ws(mf_server, seed.video["id"], token) as ws:
        assert _closed(ws) == (4404, CLOSE_REASONS[4404])


def test_a_removed_member_is_told_why_the_editor_went_offline(mf_server, seed, browser):
    base, pid, vid = mf_server.base, seed.project_id, seed.video["id"]
    admin = mf_server.api("admin")
    r = admin.post(f"{base}/api/users/", json={"username": "rosa", "password": "rosa-pass-1"}, timeout=30)
    assert r.status_code == 201, r.text
    r = admin.post(f"{base}/api/projects/{pid}/members/", json={"username": "rosa", "role": "annotator"}, timeout=30)
    assert r.status_code == 201, r.text
    token = admin.post(f"{base}/api/auth/token/",
                       json={"username": "rosa", "password": "rosa-pass-1"}, timeout=30).json()["token"]
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.goto(f"{base}/login?next=/videos/{vid}")
        page.fill("input[name=username]", "rosa")
        page.fill("input[name=password]", "rosa-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"**/videos/{vid}*")
        wait_live(page)
        with _ws(mf_server, vid, token) as ws:
            assert json.loads(ws.recv(timeout=20))["type"] == "session.state"
            r = admin.delete(f"{base}/api/projects/{pid}/members/rosa/", timeout=30)
            assert r.status_code == 204, r.text
            assert _closed(ws) == (4403, CLOSE_REASONS[4403])
        page.wait_for_selector("[data-testid=connection][data-state=failed]", timeout=20_000)
        notice = page.locator("[data-testid=connection-closed]").inner_text()
        assert "You were removed from this project." in notice, notice
    finally:
        ctx.close()
