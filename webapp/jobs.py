"""Run CPU background jobs (ingest, export): a Celery `cpu` queue when scaled out,
a small thread pool beside the web process in the embedded default.

Queuing never hangs a request: a broker that is down fails fast with BrokerUnavailable (a 503),
and a job that no worker has picked up after PICKUP_WARN_S says so (`pickup_warning`)."""
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None

# Kombu retries a failed publish this often before we answer 503 (about 1.5 s in all).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5,
                 "interval_max": 1.0}


class BrokerUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "broker_unavailable"
    default_detail = "the job queue (Redis) is unreachable; try again in a moment"


def _embedded_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="maskflow-job")
    return _pool


def _run_in_thread(fn: Callable[..., Any], args: tuple) -> Any:
    close_old_connections()
    try:
        return fn(*args)
    except Exception:
        log.exception("background job %s failed", getattr(fn, "__name__", fn))
        raise
    finally:
        connections.close_all()


def submit(task, *args) -> Future | None:
    """Queue `task` (a Celery task) with `args`. Returns a Future in embedded mode.
    Raises BrokerUnavailable when the broker cannot take the job (nothing is queued then)."""
    if settings.SCALED_OUT:
        from kombu.exceptions import OperationalError
        from redis.exceptions import RedisError

        try:
            task.apply_async(args=args, queue="cpu", retry=True, retry_policy=PUBLISH_RETRY)
        except (OperationalError, RedisError, OSError) as exc:
            log.error("could not queue %s%s: the broker is unreachable (%s)", task.name, args, exc)
            raise BrokerUnavailable() from exc
        return None
    return _embedded_pool().submit(_run_in_thread, task.run, args)


def pickup_warning(queued_at: datetime | None, started: bool, what: str,
                   stored: bool = False) -> str:
    """The warning a job shows while no worker has taken it for JOB_PICKUP_WARN_S (else '').
    `stored`: the text is kept on the row, so it names the time instead of a duration."""
    if started or queued_at is None:
        return ""
    waited = (timezone.now() - queued_at).total_seconds()
    if waited < settings.JOB_PICKUP_WARN_S:
        return ""
    when = f"since {queued_at:%H:%M:%S} UTC" if stored else f"for {waited:.0f} s"
    if settings.SCALED_OUT:
        return (f"waiting for a CPU worker: no worker has picked up this {what} {when}; "
                f"start one with `make worker WORKER_ARGS=\"--queues cpu\"`")
    return f"waiting for a free job thread: this {what} has been queued {when}"


_warned: set[tuple[str, int]] = set()


def job_pickup_warning(job) -> str:
    """pickup_warning for an export, import or evaluation job (logged once per process)."""
    what = {"ExportJob": "export", "ImportJob": "import", "Evaluation": "evaluation"}.get(
        type(job).__name__, "job")
    msg = pickup_warning(job.created_at, job.status != "queued" or job.started_at is not None,
                         what)
    key = (what, job.pk)
    if msg and key not in _warned:
        _warned.add(key)
        log.warning("%s %s: %s", what, job.pk, msg)
    return msg
