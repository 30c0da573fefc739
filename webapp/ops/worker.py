"""Operations in a worker process: its role, its own /metrics port, task ids in the logs, and
(CPU workers) a heartbeat so that /readyz knows one is alive."""
from __future__ import annotations

import logging
import threading
import time

from webapp.ops import cluster, logs, metrics

log = logging.getLogger(__name__)
_stop = threading.Event()


def started(role: str, name: str, metrics_port: int) -> None:
    """Call once a worker process knows its role ('inference' or 'cpu') and name."""
    metrics.set_role(role)
    logs.connect_celery()
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=metrics.REGISTRY)
        log.info("%s worker %s: metrics on :%s/metrics", role, name, metrics_port)
    if role == "cpu":
        beat = threading.Thread(target=_beat, args=(name,), name="maskflow-cpu-heartbeat",
                                daemon=True)
        beat.start()
        from celery.signals import worker_shutdown

        worker_shutdown.connect(lambda **_kw: _leave(name, beat), weak=False)


def _beat(name: str) -> None:
    while not _stop.is_set():
        try:
            cluster.probe_client().zadd(cluster.cpu_workers_key(), {name: time.time()})
        except Exception as exc:  # Redis restarting: beat again next time
            log.warning("cpu worker heartbeat failed: %s", exc)
        _stop.wait(cluster.CPU_HEARTBEAT_S)


def _leave(name: str, beat: threading.Thread) -> None:
    _stop.set()
    beat.join(timeout=5)  # no beat lands after the removal
    try:
        cluster.probe_client().zrem(cluster.cpu_workers_key(), name)
        log.info("cpu worker %s left the live set", name)
    except Exception as exc:
        log.warning("cpu worker %s could not deregister: %s", name, exc)
