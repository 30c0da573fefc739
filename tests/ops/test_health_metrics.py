"""/healthz, /readyz and /metrics; metrics that move when a client clicks and propagates; ids in
structured logs."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid

import pytest
import redis
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from webapp.ops import logs, metrics
from webapp.realtime.redisio import workers_key

pytestmark = pytest.mark.django_db(transaction=True)


def _redis_up() -> bool:
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        return True
    except redis.RedisError:
        return False


def scrape(client: Client | None = None) -> dict[tuple[str, tuple], float]:
    resp = (client or Client()).get("/metrics")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(resp.content.decode()):
        assert fam.name.startswith("maskflow_"), fam.name
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_answers_without_any_dependency(settings, django_assert_num_queries):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # down, and never asked
    with django_assert_num_queries(0):
        resp = Client().get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}
    assert Client().post("/healthz").status_code == 405


def test_readyz_embedded_checks_only_the_database():
    resp = Client().get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_503_naming_redis_when_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    t0 = time.monotonic()
    resp = Client().get("/readyz")
    assert time.monotonic() - t0 < 5
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "unavailable" and body["missing"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")


@pytest.mark.skipif(os.environ.get("CI") != "true" and not _redis_up(),
                    reason="Redis not running on 6379 (CI=true never skips)")
def test_readyz_names_missing_workers_until_each_kind_beats(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    settings.REALTIME_PREFIX = f"readyz-{uuid.uuid4().hex[:8]}"
    r = redis.Redis.from_url(settings.REDIS_URL)
    from webapp.ops.cluster import cpu_workers_key

    try:
        resp = Client().get("/readyz")
        assert resp.status_code == 503
        assert resp.json()["missing"] == ["inference_workers", "cpu_workers"]
        r.zadd(workers_key(), {"inference-x": time.time()})
        resp = Client().get("/readyz")
        assert resp.status_code == 503 and resp.json()["missing"] == ["cpu_workers"]
        r.zadd(cpu_workers_key(), {"cpu-x": time.time()})
        assert Client().get("/readyz").status_code == 200
        # a worker whose last beat is stale no longer counts
        r.zadd(workers_key(), {"inference-x": time.time() - 60})
        assert Client().get("/readyz").json()["missing"] == ["inference_workers"]
        # queue depths and live workers in /metrics when scaled out
        r.rpush("cpu", "job-1", "job-2")
        got = scrape()
        assert value(got, "maskflow_queue_depth", queue="cpu") == 2
        assert value(got, "maskflow_live_workers", kind="cpu") == 1
        assert value(got, "maskflow_live_workers", kind="inference") == 0
    finally:
        r.delete(workers_key(), cpu_workers_key(), "cpu")


def test_metrics_count_requests_and_jobs_and_report_memory(project_with_roles):
    c = Client()
    before = scrape(c)
    c.get("/healthz")
    c.get("/api/projects/")  # 403: anonymous
    got = scrape(c)
    assert value(got, "maskflow_http_requests_total", method="GET", route="healthz",
                 status="200") == value(before, "maskflow_http_requests_total", method="GET",
                                        route="healthz", status="200") + 1
    assert any(k[0] == "maskflow_http_requests_total" and dict(k[1])["status"] in ("401", "403")
               and dict(k[1])["route"] == "api/projects/" for k in got)
    rss = [v for k, v in got.items() if k[0] == "maskflow_process_resident_bytes"]
    assert rss and rss[0] > 10 << 20
    from webapp.exports.models import ExportJob
    from webapp.videos.models import Video

    project, users = project_with_roles
    video = Video.objects.create(project=project, name="v", status="ready")
    ExportJob.objects.create(project=project, video=video, created_by=users["owner"],
                             format="davis", status="failed")
    got = scrape(c)
    assert value(got, "maskflow_jobs", kind="export", status="failed") == 1
    assert value(got, "maskflow_jobs", kind="ingest", status="ready") == 1


def test_metrics_can_require_a_token(settings):
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def _sample(name, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def _until(pred, timeout=10.0):
    import asyncio

    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "metric did not move"
        await asyncio.sleep(0.02)


async def test_a_click_and_a_propagation_move_the_realtime_metrics(project_with_roles):
    from channels.db import database_sync_to_async

    from tests.realtime.conftest import make_ready_video
    from tests.realtime.test_consumer import connect, prompted_object, recv_until, request
    from webapp.realtime import dispatch

    project, users = project_with_roles
    video = await database_sync_to_async(make_ready_video)(project, num_frames=12)
    clicks = _sample("maskflow_click_to_mask_seconds_count")
    opened, msgs = _sample("maskflow_ws_connections_total"), _sample("maskflow_ws_messages_total")
    frames = _sample("maskflow_propagation_frames_total")
    comm, _ = await connect(users["owner"], video)
    try:
        assert _sample("maskflow_ws_connections_total") == opened + 1
        open_now = _sample("maskflow_ws_open_connections")
        await prompted_object(comm, video)
        # observed by the inference thread just after it sent the masks
        await _until(lambda: _sample("maskflow_click_to_mask_seconds_count") == clicks + 1)
        assert 0 < _sample("maskflow_click_to_mask_seconds_sum") < 1e6
        assert _sample("maskflow_ws_messages_total") >= msgs + 2  # object.create, prompt.add
        assert _sample("maskflow_live_sessions") >= 1
        await request(comm, {"type": "propagate.start", "frame": 0})
        done = await recv_until(comm, lambda m: m["type"] == "propagation.done", 120)
        assert done["cancelled"] is False
        await _until(lambda: _sample("maskflow_propagation_frames_total") == frames + done["done"])
        assert _sample("maskflow_propagation_fps_count") >= 1
    finally:
        await comm.disconnect()
        if dispatch._thread is not None:
            await database_sync_to_async(dispatch._thread.drain)(60)
    assert _sample("maskflow_ws_open_connections") == open_now - 1


@contextlib.contextmanager
def kept_records(logger_name: str):
    """The records `logger_name` emits inside the block, with the log context filter applied
    (as the configured handlers have it)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_logs_carry_the_request_and_video_ids(ready_video, client_for, project_with_roles):
    _, users = project_with_roles
    with kept_records("django.request") as records:
        api = client_for(users["owner"])
        resp = api.get(f"/api/videos/{ready_video.pk}/frames/99999.jpg", HTTP_X_REQUEST_ID="req-42")
    assert resp.status_code == 404 and resp["X-Request-ID"] == "req-42"
    hit = [r for r in records if getattr(r, "request_id", None) == "req-42"]
    assert hit and hit[0].video_id == ready_video.pk
    line = json.loads(logs.JsonFormatter().format(hit[0]))
    assert line["request_id"] == "req-42" and line["video_id"] == ready_video.pk
    assert line["level"] == "WARNING" and "Not Found" in line["msg"]
    # an unsafe id from a client is replaced, never echoed
    resp = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id\n")
    assert resp["X-Request-ID"] != "bad id\n" and len(resp["X-Request-ID"]) == 16


def test_task_ids_name_the_video_or_the_job():
    assert logs.task_ids("realtime.command", [{"op": "prompt", "video_id": 7}])["video_id"] == 7
    assert logs.task_ids("exports.run_export", [12])["job_id"] == "exports.run_export:12"
    ids = logs.task_ids("videos.ingest", [5])
    assert ids["video_id"] == 5 and ids["job_id"] == "videos.ingest:5"


def test_log_format_must_be_plain_or_json(monkeypatch):
    import subprocess
    import sys

    env = dict(os.environ, LOG_FORMAT="yaml", DJANGO_SETTINGS_MODULE="webapp.settings")
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "LOG_FORMAT='yaml'" in out.stderr


@pytest.mark.skipif(os.environ.get("CI") != "true" and not _redis_up(),
                    reason="Redis not running on 6379 (CI=true never skips)")
def test_a_cpu_worker_serves_its_metrics_and_counts_as_live_until_it_stops(tmp_path):
    import signal
    import subprocess
    import sys
    import urllib.request

    from django.conf import settings as dj

    from tests.realtime.stack import free_port

    port, prefix = free_port(), f"cpuw-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(REDIS_URL="redis://127.0.0.1:6379/13", REALTIME_PREFIX=prefix,
               MASKFLOW_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="webapp.settings",
               LOG_FORMAT="json")
    proc = subprocess.Popen([sys.executable, "-m", "webapp.realtime.worker", "--queues", "cpu",
                             "--metrics-port", str(port)], cwd=dj.BASE_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    r = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    key = f"{prefix}:cpu-workers"
    lines: list[str] = []
    import threading

    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
                text = text.decode()
                # Celery's own SIGTERM handling (warm shutdown) is installed once it is ready
                if r.zcard(key) and any(" ready." in line for line in lines):
                    break
            except OSError:
                pass
            assert proc.poll() is None, "".join(lines)[-3000:]
            time.sleep(0.2)
        assert 'maskflow_process_resident_bytes{pid="%d",role="cpu"}' % proc.pid in text
        assert r.zcard(key) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        time.sleep(0.2)
        out = "".join(lines)
    assert r.zcard(key) == 0, "a cleanly stopped CPU worker leaves the live set"
    # JSON logs from the worker: every line that is ours parses
    ours = [json.loads(line) for line in out.splitlines() if line.startswith('{"ts"')]
    assert any("metrics on" in rec["msg"] for rec in ours), out[-2000:]


async def test_a_websocket_connections_log_lines_name_its_video(project_with_roles, monkeypatch):
    from channels.db import database_sync_to_async

    from tests.realtime.conftest import make_ready_video
    from tests.realtime.test_consumer import connect, request
    from webapp.realtime.consumers import VideoConsumer

    async def broken(self, msg):
        raise RuntimeError("boom (simulated)")

    monkeypatch.setattr(VideoConsumer, "on_object_create", broken)
    project, users = project_with_roles
    video = await database_sync_to_async(make_ready_video)(project, num_frames=2)
    with kept_records("webapp.realtime.consumers") as records:
        comm, _ = await connect(users["owner"], video)
        await request(comm, {"type": "object.create"})
        await comm.disconnect()
    failed = [r for r in records if "failed" in r.getMessage()]
    assert failed and failed[0].video_id == video.pk
    assert json.loads(logs.JsonFormatter().format(failed[0]))["video_id"] == video.pk
