"""`/healthz` (liveness), `/readyz` (readiness, 503 naming what is missing) and `/metrics`
(Prometheus text). Plain Django views: no session, no CSRF, no DRF authentication."""
from __future__ import annotations

import hmac
import logging

import redis
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from webapp.ops import cluster, metrics

log = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """The process answers; nothing else is checked (a liveness probe must not restart web
    servers because Postgres is down)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    checks, missing = cluster.readiness()
    if missing:
        log.warning("not ready: %s", ", ".join(f"{m} ({checks[m]})" for m in missing))
        return JsonResponse({"status": "unavailable", "missing": missing, "checks": checks},
                            status=503)
    return JsonResponse({"status": "ready", "checks": checks})


class _ClusterCollector:
    """Deployment-wide gauges read at scrape time (the same on every web server)."""

    def collect(self):
        jobs = GaugeMetricFamily("maskflow_jobs", "background jobs by kind and status",
                                 labels=["kind", "status"])
        try:
            for (kind, status), n in sorted(cluster.job_counts().items()):
                jobs.add_metric([kind, status], n)
        except Exception:
            log.warning("metrics: could not count jobs", exc_info=settings.DEBUG)
        yield jobs
        if not settings.REDIS_URL:
            return
        depth = GaugeMetricFamily("maskflow_queue_depth", "messages waiting in a Celery queue",
                                  labels=["queue"])
        live = GaugeMetricFamily("maskflow_live_workers", "workers with a recent heartbeat",
                                 labels=["kind"])
        try:
            r = cluster.probe_client()
            for name, n in cluster.queue_depths(r).items():
                depth.add_metric([name], n)
            for kind, n in cluster.live_workers(r).items():
                live.add_metric([kind], n)
        except redis.RedisError as exc:
            log.warning("metrics: Redis unreachable (%s)", exc)
        yield depth
        yield live


_cluster = CollectorRegistry(auto_describe=False)
_cluster.register(_ClusterCollector())


@require_GET
def prometheus(request):
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JsonResponse({"detail": "metrics need Authorization: Bearer <METRICS_TOKEN>"},
                                status=401)
    body = generate_latest(metrics.REGISTRY) + generate_latest(_cluster)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
