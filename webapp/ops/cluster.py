"""What the whole deployment looks like from here: database and Redis reachable, live workers,
Celery queue depths and job counts. Used by /readyz and by the web server's /metrics.

CPU workers heartbeat into the sorted set `<prefix>:cpu-workers` (webapp.ops.worker), as
inference workers do into `<prefix>:workers` (webapp.realtime.workers)."""
from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from django.db import connection

from webapp.realtime.redisio import prefix, workers_key

CPU_HEARTBEAT_S = 2.0
CPU_STALE_S = 10.0  # a CPU worker silent this long is not counted (its jobs run in children)
PROBE_TIMEOUT_S = 2.0

_probe: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def cpu_workers_key() -> str:
    return f"{prefix()}:cpu-workers"


def probe_client() -> redis.Redis:
    """A Redis client that gives up within PROBE_TIMEOUT_S (a probe must never hang)."""
    with _lock:
        r = _probe.get(settings.REDIS_URL)
        if r is None:
            r = _probe[settings.REDIS_URL] = redis.Redis.from_url(
                settings.REDIS_URL, decode_responses=True,
                socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S)
        return r


def live_workers(r: redis.Redis) -> dict[str, int]:
    now = time.time()
    return {
        "inference": r.zcount(workers_key(), now - settings.REALTIME_WORKER_STALE_S, "+inf"),
        "cpu": r.zcount(cpu_workers_key(), now - CPU_STALE_S, "+inf"),
    }


def readiness() -> tuple[dict[str, str], list[str]]:
    """({check: 'ok' or why not}, [what is missing])."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
        connection.close()
    if settings.REDIS_URL:
        try:
            r = probe_client()
            r.ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"unreachable: {exc}"[:300]
        else:
            live = live_workers(r)
            for kind, hint in (("inference", "make worker"),
                               ("cpu", 'make worker WORKER_ARGS="--queues cpu"')):
                checks[f"{kind}_workers"] = (f"ok ({live[kind]} live)" if live[kind] else
                                             f"none live; start one with `{hint}`")
    missing = [name for name, state in checks.items() if not state.startswith("ok")]
    return checks, missing


def queue_depths(r: redis.Redis) -> dict[str, int]:
    """Messages waiting in the Celery queues: `cpu` and each live inference worker's own."""
    now = time.time()
    names = ["cpu"] + [f"inference.{w}" for w in
                       r.zrangebyscore(workers_key(), now - settings.REALTIME_WORKER_STALE_S,
                                       "+inf")]
    pipe = r.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
    return dict(zip(names, pipe.execute()))


def job_counts() -> dict[tuple[str, str], int]:
    """(kind, status) -> rows: outcomes of exports, imports, evaluations and ingests, shared by
    every process through the database."""
    from django.db.models import Count

    from webapp.exports.models import Evaluation, ExportJob, ImportJob
    from webapp.videos.models import Video

    out: dict[tuple[str, str], int] = {}
    for kind, model in (("export", ExportJob), ("import", ImportJob),
                        ("evaluation", Evaluation), ("ingest", Video)):
        for row in model.objects.values("status").annotate(n=Count("pk")).order_by():
            out[(kind, row["status"])] = row["n"]
    return out
