"""Playwright fixtures: a live uvicorn server (embedded mode, temp var dir, random-tiny SAM 2),
seeded through the REST API, and Debian's Chromium."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
PASSWORDS = {"admin": "admin-pass-1", "alice": "alice-pass-1", "bob": "bob-pass-1", "vera": "vera-pass-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    var: Path
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, user: str = "admin") -> requests.Session:
        if user not in self.tokens:
            r = requests.post(f"{self.base}/api/auth/token/",
                              json={"username": user, "password": PASSWORDS[user]}, timeout=30)
            r.raise_for_status()
            self.tokens[user] = r.json()["token"]
        s = requests.Session()
        s.headers["Authorization"] = f"Token {self.tokens[user]}"
        return s

    def team_project(self, team: dict[str, str], tag: str, name: str, labels: list[str]) -> int:
        """Create the users of `team` ({username: role}, one "owner"; password
        `<user>-pass-<tag>`), a project of the owner's with `labels`, and the other users as
        members with their roles. Returns the project id."""
        admin = self.api("admin")
        for user in team:
            PASSWORDS[user] = f"{user}-pass-{tag}"
            r = admin.post(f"{self.base}/api/users/", json={"username": user, "password": PASSWORDS[user]},
                           timeout=30)
            assert r.status_code == 201, r.text
        owner = self.api(next(u for u, role in team.items() if role == "owner"))
        r = owner.post(f"{self.base}/api/projects/", json={"name": name, "labels": labels}, timeout=30)
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        for user, role in team.items():
            if role != "owner":
                r = owner.post(f"{self.base}/api/projects/{pid}/members/",
                               json={"username": user, "role": role}, timeout=30)
                assert r.status_code == 201, r.text
        return pid

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def upload(self, user: str, project_id: int, path: Path, timeout: float = 120) -> dict:
        s = self.api(user)
        with open(path, "rb") as fh:
            r = s.post(f"{self.base}/api/projects/{project_id}/videos/",
                       files={"file": (path.name, fh, "video/mp4")}, timeout=60)
        assert r.status_code == 201, r.text
        vid = r.json()["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = s.get(f"{self.base}/api/videos/{vid}/", timeout=30).json()
            if v["status"] == "ready":
                return v
            assert v["status"] != "failed", v
            time.sleep(0.2)
        raise AssertionError(f"video {vid} not ready after {timeout} s\n{self.log_tail()}")


@pytest.fixture(scope="session")
def mf_server(tmp_path_factory):
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is missing: run `make setup` (npm ci && npm run build in frontend/)")
    var = tmp_path_factory.mktemp("browser-var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        MASKFLOW_VAR_DIR=str(var), SAM2_MODEL="random-tiny", DJANGO_SETTINGS_MODULE="webapp.settings",
        DJANGO_SUPERUSER_USERNAME="admin", DJANGO_SUPERUSER_PASSWORD=PASSWORDS["admin"],
        DJANGO_SUPERUSER_EMAIL="admin@example.com", MAX_UPLOAD_MB="64",
    )
    env.pop("MEDIA_ROOT", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "createsuperuser", "--noinput"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = _free_port()
    log = var / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [py, "-m", "uvicorn", "webapp.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--ws", "websockets", "--no-access-log"],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", var, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                if requests.get(f"{server.base}/api/me/", timeout=5).status_code in (200, 401, 403):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Seed:
    project_id: int
    video: dict
    clip: Path


@pytest.fixture(scope="session")
def seed(mf_server, tmp_path_factory) -> Seed:
    """alice (admin), bob (annotator) and vera (viewer) on one project with one 48-frame clip."""
    from webapp.videos.synthetic import write_video

    admin = mf_server.api("admin")
    base = mf_server.base
    for user in ("alice", "bob", "vera"):
        r = admin.post(f"{base}/api/users/", json={"username": user, "password": PASSWORDS[user]}, timeout=30)
        assert r.status_code == 201, r.text
    r = admin.post(f"{base}/api/projects/", json={
        "name": "Street scenes", "description": "Moving shapes for the end-to-end tests",
        "labels": ["disc", "box", "person"],
    }, timeout=30)
    assert r.status_code == 201, r.text
    project_id = r.json()["id"]
    for user, role in (("alice", "admin"), ("bob", "annotator"), ("vera", "viewer")):
        r = admin.post(f"{base}/api/projects/{project_id}/members/", json={"username": user, "role": role},
                       timeout=30)
        assert r.status_code == 201, r.text
    clip = write_video(tmp_path_factory.mktemp("clips") / "crossing.mp4", num_frames=48, width=640, height=360)
    video = mf_server.upload("alice", project_id, clip)
    return Seed(project_id, video, clip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_as(browser, mf_server):
    """open_as(user, path) → a page signed in through the sign-in form and sent back to path."""
    contexts = []

    def open_page(user: str, path: str):
        ctx = browser.new_context(viewport=VIEWPORT)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(f"{mf_server.base}{path}")
        page.wait_for_url(f"**/login?next={quote(path, safe='')}")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORDS[user])
        page.click("button[type=submit]")
        page.wait_for_url(f"{mf_server.base}{path}")
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def wait_live(page, timeout: float = 20_000) -> None:
    page.wait_for_selector("[data-testid=connection][data-state=open]", timeout=timeout)


# The overlay canvas is stored transposed (width = video height); this reads back which video
# pixels it painted, as a row-major (h, w) boolean array.
_OVERLAY_BITS = """() => {
  const c = document.querySelector('[data-testid=overlay-canvas]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const bits = new Uint8Array(Math.ceil(d.length / 32));
  for (let i = 0, p = 0; i < d.length; i += 4, p++) if (d[i + 3]) bits[p >> 3] |= 1 << (p & 7);
  let s = ''; for (let i = 0; i < bits.length; i += 8192) s += String.fromCharCode(...bits.subarray(i, i + 8192));
  return {w: c.width, h: c.height, bits: btoa(s)};
}"""


def overlay_mask(page) -> np.ndarray:
    r = page.evaluate(_OVERLAY_BITS)
    bits = np.unpackbits(np.frombuffer(base64.b64decode(r["bits"]), np.uint8), bitorder="little")
    transposed = bits[: r["w"] * r["h"]].reshape(r["h"], r["w"])  # canvas rows = video columns
    return transposed.T.astype(bool)


def rest_union_mask(server: Server, user: str, video_id: int, frame: int, object_ids=None) -> np.ndarray:
    """The union of the stored masks of a frame, decoded by pycocotools."""
    from pycocotools import mask as mask_utils

    rows = server.api(user).get(f"{server.base}/api/videos/{video_id}/masks/?frame={frame}", timeout=30).json()
    union = None
    for row in rows:
        if object_ids is not None and row["object_id"] not in object_ids:
            continue
        rle = {"size": row["rle"]["size"], "counts": row["rle"]["counts"].encode()}
        m = mask_utils.decode(rle).astype(bool)
        union = m if union is None else union | m
    return union
