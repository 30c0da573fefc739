"""A real scaled-out stack for tests and benchmarks: a fresh Postgres database, its own Redis
DB number and key prefix, a uvicorn server and inference workers started the way `make serve`
and `make worker` start them. Everything is torn down by process group."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

SETUP_SCRIPT = r"""
import io, json, os
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.authtoken.models import Token
from webapp.projects.models import LabelClass, Membership, Project
from webapp.videos.models import Video
from webapp.videos.synthetic import render_frame

spec = json.loads(os.environ["STACK_SPEC"])
User = get_user_model()
project = Project.objects.create(name="stack")
LabelClass.objects.create(project=project, name="disc", order=0)
tokens = {}
for name, role in spec["users"].items():
    u = User.objects.create_user(username=name, password=name + "-pw-123")
    Membership.objects.create(project=project, user=u, role=role)
    tokens[name] = Token.objects.create(user=u).key
videos = {}
for key, (n, w, h) in spec["videos"].items():
    v = Video.objects.create(project=project, name=key)
    for i in range(n):
        buf = io.BytesIO()
        Image.fromarray(render_frame(i, w, h, n)).save(buf, "JPEG", quality=90)
        default_storage.save(v.frame_path(i), ContentFile(buf.getvalue()))
    Video.objects.filter(pk=v.pk).update(status="ready", num_frames=n, width=w, height=h, fps=24)
    videos[key] = v.pk
print("STACK" + json.dumps({"tokens": tokens, "videos": videos, "project": project.pk}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def services_up() -> bool:
    try:
        import psycopg
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


class Stack:
    def __init__(self, tmp: Path, workers: int = 2, users=None, videos=None, env=None,
                 embedded: bool = False, sqlite: bool = False, cpu_workers: int = 0,
                 redis_port: int = 6379, pg_port: int = 5432):
        self.tmp = tmp
        self.redis_port = redis_port  # tests/ops runs its own Redis and Postgres
        self.pg_admin = f"postgresql://postgres@127.0.0.1:{pg_port}/postgres"
        self.tag = uuid.uuid4().hex[:8]
        self.db_name = f"mf_stack_{self.tag}"
        self.redis_db = 8 + int(self.tag, 16) % 8
        self.prefix = f"mft{self.tag}"
        self.port = free_port()
        self.ports = [self.port]  # one per web server (start_server)
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.cpu_workers: list[subprocess.Popen] = []
        self.n_workers = workers
        self.n_cpu_workers = cpu_workers
        self.users = users or {"alice": "owner", "bob": "annotator", "vera": "viewer"}
        self.videos = videos or {"short": (24, 160, 120)}
        self.env = dict(
            os.environ,
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="webapp.settings",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/{self.db_name}",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/{self.redis_db}",
            REALTIME_PREFIX=self.prefix,
            REALTIME_WORKER_STALE_S="1.5",
            MEDIA_ROOT=str(tmp / "media"),
            MASKFLOW_VAR_DIR=str(tmp / "var"),
            SAM2_MODEL="random-tiny",
            SAM2_CHECKPOINT="",
            PYTHONUNBUFFERED="1",
            # Several workers share the test machine's cores: one torch thread each, or
            # OpenMP teams spin against each other.
            SAM2_TORCH_THREADS="1",
            # Persistent DB connections, as a deployment should run: Channels otherwise opens
            # a new Postgres connection per message (see the report / deploy notes).
            DB_CONN_MAX_AGE="60",
        )
        self.env.update(env or {})
        self.embedded = embedded
        if embedded:  # no REDIS_URL: in-memory layer, inference thread in the web process
            self.env.pop("REDIS_URL")
            self.n_workers = 0
        self.env.pop("MASKFLOW_WORKER_NAME", None)
        self.sqlite = sqlite
        if sqlite:  # `make run`'s default: a SQLite file under MASKFLOW_VAR_DIR
            self.env["DATABASE_URL"] = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def redis(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.redis_port, db=self.redis_db,
                           decode_responses=True)

    def _run(self, *args, env=None, **kw):
        return subprocess.run([PY, *args], cwd=ROOT, env=dict(self.env, **(env or {})), check=True,
                              capture_output=True, text=True, timeout=300, **kw)

    def _spawn(self, args, log_name) -> subprocess.Popen:
        log = open(self.tmp / log_name, "wb")
        proc = subprocess.Popen([PY, *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> "Stack":
        import psycopg

        if not self.sqlite:
            with psycopg.connect(self.pg_admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
        if not self.embedded:
            self.redis().flushdb()
        self._run("manage.py", "migrate", "--noinput")
        spec = json.dumps({"users": self.users, "videos": self.videos})
        out = self._run("manage.py", "shell", "-c", SETUP_SCRIPT, env={"STACK_SPEC": spec}).stdout
        info = json.loads(out[out.index("STACK") + 5:])
        self.tokens, self.video_ids = info["tokens"], {k: int(v) for k, v in info["videos"].items()}
        self.project_id = info["project"]
        self.servers = [self.start_server(self.port, "server.log")]
        for i in range(self.n_workers):
            self.add_worker()
        for i in range(self.n_cpu_workers):
            self.add_cpu_worker()
        if self.n_workers:
            self.wait_workers(self.n_workers)
        self._wait_http()
        return self

    def start_server(self, port: int, log_name: str) -> subprocess.Popen:
        """A uvicorn web server on `port`, as `make serve` starts it."""
        return self._spawn(["-m", "uvicorn", "webapp.asgi:application", "--host", "127.0.0.1",
                            "--port", str(port), "--ws", "websockets", "--no-access-log"],
                           log_name)

    def add_worker(self) -> subprocess.Popen:
        w = self._spawn(["-m", "webapp.realtime.worker"], f"worker{len(self.workers)}.log")
        self.workers.append(w)
        return w

    def add_cpu_worker(self) -> subprocess.Popen:
        """An ingest/export worker, as `make worker WORKER_ARGS="--queues cpu"` starts it."""
        w = self._spawn(["-m", "webapp.realtime.worker", "--queues", "cpu"],
                        f"cpu{len(self.cpu_workers)}.log")
        self.cpu_workers.append(w)
        return w

    def http(self, method: str, path: str, user: str = "alice", **kw):
        import requests

        kw.setdefault("timeout", 60)
        return requests.request(method, self.base + path, **kw, headers={
            "Authorization": f"Token {self.tokens[user]}", **kw.pop("headers", {})})

    def server_maps_libtorch(self) -> bool:
        """Whether the (first) web server process has mapped libtorch."""
        with open(f"/proc/{self.procs[0].pid}/maps") as fh:
            return "libtorch" in fh.read()

    def live_workers(self) -> list[str]:
        return self.redis().zrangebyscore(f"{self.prefix}:workers", time.time() - 1.5, "+inf")

    def wait_workers(self, n: int, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = self.live_workers()
            if len(live) >= n:
                return live
            for w in self.workers:
                if w.poll() is not None and w.returncode not in (None, -9):
                    raise RuntimeError(f"worker died: {self.logs()}")
            time.sleep(0.2)
        raise RuntimeError(f"{n} workers not live in {timeout}s: {self.logs()}")

    def _wait_http(self, timeout: float = 60):
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/schema/", timeout=2)
                return
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "code", None):  # any HTTP answer means it is up
                    return
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + self.logs())

    def lease_owner(self, video_id: int) -> str | None:
        return self.redis().get(f"{self.prefix}:lease:{video_id}")

    def worker_proc(self, name: str) -> subprocess.Popen:
        pid = int(name.split("-")[-2])
        return next(w for w in self.workers if w.pid == pid)

    def logs(self) -> str:
        out = []
        for f in sorted(self.tmp.glob("*.log")):
            out.append(f"--- {f.name}\n" + f.read_text(errors="replace")[-3000:])
        return "\n".join(out)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if not self.embedded:
            self.redis().flushdb()
        if self.sqlite:
            return
        import psycopg

        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def final_masks(msgs) -> dict:
    """(object_id, frame) -> RLE as the last `masks` messages among `msgs` left it."""
    out = {}
    for m in msgs:
        if m["type"] == "masks":
            for mm in m["masks"]:
                out[(mm["object_id"], m["frame"])] = mm["rle"]
    return out


class Client:
    """A websocket client that records every message, like the browser's protocol client."""

    def __init__(self, name: str):
        self.name = name
        self.msgs: list[dict] = []
        self._cond = asyncio.Condition()
        self.ws = None
        self._task = None
        self._req = 0

    @classmethod
    async def connect(cls, stack: Stack, video_id: int, user: str, origin: str | None = None,
                      port: int | None = None):
        from websockets.asyncio.client import connect

        self = cls(user)
        headers = [("Authorization", f"Token {stack.tokens[user]}")]
        self.ws = await connect(f"ws://127.0.0.1:{port or stack.port}/ws/videos/{video_id}/",
                                additional_headers=headers, origin=origin, open_timeout=20,
                                max_size=2**24, proxy=None, ping_interval=None)
        self._task = asyncio.ensure_future(self._reader())
        await self.wait(lambda m: m["type"] == "session.state", 20)
        return self

    async def _reader(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                msg["_t"] = time.perf_counter()
                async with self._cond:
                    self.msgs.append(msg)
                    self._cond.notify_all()
        except Exception:
            pass
        finally:
            async with self._cond:
                self._cond.notify_all()

    async def send(self, msg: dict) -> None:
        await self.ws.send(json.dumps(msg))

    async def request(self, msg: dict, timeout: float = 30) -> dict:
        self._req += 1
        req = f"{self.name}-{self._req}"
        start = len(self.msgs)
        await self.send(dict(msg, req=req))
        return await self.wait(lambda m: m.get("req") == req and m["type"] in ("ack", "error"),
                               timeout, start)

    async def wait(self, pred, timeout: float = 30, start: int = 0) -> dict:
        async def find():
            async with self._cond:
                i = start
                while True:
                    while i < len(self.msgs):
                        if pred(self.msgs[i]):
                            return self.msgs[i]
                        i += 1
                    await self._cond.wait()

        return await asyncio.wait_for(find(), timeout)

    def since(self, start: int, mtype: str | None = None) -> list[dict]:
        return [m for m in self.msgs[start:] if mtype is None or m["type"] == mtype]

    async def close(self):
        await self.ws.close()
        self._task.cancel()
