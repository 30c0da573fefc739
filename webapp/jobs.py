"""Run CPU background jobs (ingest, export): a Celery `cpu` queue when scaled out,
a small thread pool beside the web process in the embedded default."""
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from django.conf import settings
from django.db import close_old_connections, connections

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None


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
    """Queue `task` (a Celery task) with `args`. Returns a Future in embedded mode."""
    if settings.SCALED_OUT:
        task.apply_async(args=args, queue="cpu")
        return None
    return _embedded_pool().submit(_run_in_thread, task.run, args)
