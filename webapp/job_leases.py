"""Scaled out: which decodes and jobs a live CPU worker is running right now.

While a CPU worker runs one of JOBS it holds the Redis key `<prefix>:job:<kind>:<pk>` with a
TTL of TTL_S, set again every REFRESH_S by a thread of that worker (SET, not PEXPIRE, so the
keys come back after a Redis restart). A worker killed with -9 stops refreshing and its keys
expire: webapp.recovery.sweep then retries the decode or fails the job with a reason instead
of leaving it `running`. Celery's task_prerun/postrun signals take and drop the keys, so the
tasks themselves know nothing of this.
"""
from __future__ import annotations

import logging
import os
import threading

from celery.signals import task_postrun, task_prerun, worker_ready
from django.conf import settings

log = logging.getLogger(__name__)

TTL_S = 6.0
REFRESH_S = 1.0
JOBS = {"videos.ingest": "video", "exports.run_export": "export",
        "exports.run_import": "import", "exports.run_evaluation": "evaluation"}

_held: set[str] = set()
_lock = threading.Lock()
_refresher: threading.Thread | None = None


def _client():
    from webapp.realtime.redisio import client

    return client()


def key(kind: str, pk: int) -> str:
    return f"{settings.REALTIME_PREFIX}:job:{kind}:{pk}"


def held(kind: str, pks) -> set[int]:
    """The pks among `pks` that a live CPU worker holds (one round trip)."""
    pks = list(pks)
    if not pks:
        return set()
    pipe = _client().pipeline(transaction=False)
    for pk in pks:
        pipe.exists(key(kind, pk))
    return {pk for pk, n in zip(pks, pipe.execute()) if n}


def _set(k: str) -> None:
    _client().set(k, os.getpid(), px=int(TTL_S * 1000))


def _refresh_loop() -> None:
    stop = threading.Event()
    while not stop.wait(REFRESH_S):
        with _lock:
            keys = list(_held)
        for k in keys:
            try:
                _set(k)
            except Exception as exc:  # Redis down: set again at the next round
                log.warning("could not refresh job lease %s: %s", k, exc)
                break


def _job_key(task, args) -> str | None:
    kind = JOBS.get(getattr(task, "name", ""))
    if kind is None or not settings.SCALED_OUT or not args:
        return None
    return key(kind, int(args[0]))


@task_prerun.connect
def _take(sender=None, task=None, args=None, **_kw) -> None:
    global _refresher
    k = _job_key(task, args)
    if k is None:
        return
    with _lock:
        _held.add(k)
        if _refresher is None or not _refresher.is_alive():
            _refresher = threading.Thread(target=_refresh_loop, name="maskflow-job-leases",
                                          daemon=True)
            _refresher.start()
    try:
        _set(k)
    except Exception:  # the refresher sets it once Redis answers
        log.warning("could not take job lease %s", k)


@task_postrun.connect
def _drop(sender=None, task=None, args=None, **_kw) -> None:
    k = _job_key(task, args)
    if k is None:
        return
    with _lock:
        _held.discard(k)
    try:
        _client().delete(k)
    except Exception:  # it expires on its own
        log.warning("could not drop job lease %s", k)


@worker_ready.connect
def _sweep(**_kw) -> None:
    """A CPU worker (inference workers have MASKFLOW_WORKER_NAME) sweeps for dead jobs."""
    if settings.SCALED_OUT and not os.environ.get("MASKFLOW_WORKER_NAME"):
        from webapp.recovery import sweep_forever

        sweep_forever()
