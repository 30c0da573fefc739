"""Structured logs: JSON lines when LOG_FORMAT=json, with the request, video and job ids of
the work in progress (context variables set by the HTTP middleware and around Celery tasks)."""
from __future__ import annotations

import contextvars
import json
import logging
from datetime import datetime, timezone

FIELDS = ("request_id", "video_id", "job_id")
_vars = {name: contextvars.ContextVar(name, default=None) for name in FIELDS}


def bind(**ids) -> None:
    """Set ids for the rest of this context (a request, a task); None clears one."""
    for name, value in ids.items():
        _vars[name].set(value)


def clear() -> None:
    bind(**{name: None for name in FIELDS})


def current() -> dict:
    return {name: var.get() for name, var in _vars.items() if var.get() is not None}


class ContextFilter(logging.Filter):
    """Copies the current ids onto every record (plain format: `[request_id=...]`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current()
        for name in FIELDS:
            setattr(record, name, ids.get(name))
        record.ids = "".join(f" [{k}={v}]" for k, v in ids.items())
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def task_ids(task_name: str, args) -> dict:
    """Log ids of a Celery task from its arguments: an inference command names its video,
    a CPU job (ingest, export, import, evaluation) is `<task>:<pk>`."""
    if args and isinstance(args[0], dict):
        return {"video_id": args[0].get("video_id"), "job_id": None, "request_id": None}
    if args and isinstance(args[0], int):
        ids = {"job_id": f"{task_name}:{args[0]}", "request_id": None, "video_id": None}
        if task_name == "videos.ingest":
            ids["video_id"] = args[0]
        return ids
    return {"job_id": task_name, "request_id": None, "video_id": None}


def connect_celery() -> None:
    """Bind a task's ids while it runs (called once in each worker process)."""
    from celery.signals import task_postrun, task_prerun

    def _pre(task=None, args=None, **_kw):
        bind(**task_ids(getattr(task, "name", ""), args or ()))

    def _post(**_kw):
        clear()

    task_prerun.connect(_pre, weak=False)
    task_postrun.connect(_post, weak=False)
