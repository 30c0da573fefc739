"""Celery inference tasks: a thin adapter from a queued command to the Runner.

Runs only in an inference worker (`python -m webapp.realtime.worker`), on its main thread
(`--pool solo`), consuming its own queue `inference.<worker>`.
"""
from __future__ import annotations

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from webapp.env import env
from webapp.realtime import dispatch, trace
from webapp.realtime.runner import SLICE_FRAMES, Runner, engine_config, get_model
from webapp.realtime.workers import HEARTBEAT_S, registry

log = logging.getLogger(__name__)

_runner = None
_stop = threading.Event()


def worker_name() -> str:
    return env("MASKFLOW_WORKER_NAME")


def runner():
    global _runner
    if _runner is None:
        _runner = Runner(dispatch.control(), dispatch.applied())
    return _runner


@shared_task(name="realtime.command", ignore_result=True, acks_late=False)
def run_command(cmd: dict) -> None:
    trace.stamp("wrk.task")
    # Celery's Django fixup keeps the connection across tasks (CELERY_DB_REUSE_MAX), so drop
    # it here if it broke (a database restart) or aged out; otherwise this is free.
    close_old_connections()
    me = worker_name()
    reg = registry()
    background = cmd["op"] == "propagate"
    owner, alive = reg.started(me, background, cmd["video_id"])
    if owner and owner != me and alive:
        # The lease moved while this command waited (we looked dead): its owner runs it.
        reg.publish(owner, cmd, background)
        return
    if background:
        def should_yield(processed: int) -> bool:
            fg, bg = reg.pending(me)
            return fg > 0 or (bg > 0 and processed >= SLICE_FRAMES)

        cont = runner().propagate(cmd, should_yield)
        if cont is not None:
            reg.publish(me, cont, background=True)
    else:
        try:
            runner().handle(cmd)
        except (OperationalError, InterfaceError):
            # The connection broke under the command (a database restart; health checks are
            # off in this worker): once more on a fresh one, so the click is still answered.
            # Replays are idempotent: catch_up skips prompts already applied.
            log.warning("database connection lost during %s; retrying once", cmd["op"])
            connections.close_all()
            runner().handle(cmd)


def _heartbeat_loop(name: str) -> None:
    reg = registry()
    while not _stop.is_set():
        try:
            reg.heartbeat(name)
        except Exception:
            log.exception("heartbeat failed")
        _stop.wait(HEARTBEAT_S)


@worker_ready.connect
def _on_ready(**_kwargs) -> None:
    name = worker_name()
    if not name:
        return  # a cpu worker
    from inference import configure_torch_threads

    # --pool solo: tasks run on the main thread
    configure_torch_threads(engine_config().torch_threads, off_main_thread=False)
    get_model()  # load before announcing ourselves, so the first click is not a cold start
    threading.Thread(target=_heartbeat_loop, args=(name,), name="maskflow-heartbeat",
                     daemon=True).start()
    log.info("inference worker %s ready on queue inference.%s", name, name)


@worker_shutdown.connect
def _on_shutdown(**_kwargs) -> None:
    name = worker_name()
    if not name:
        return
    _stop.set()
    # Store what the engine already tracked (and end its propagation for the room) before
    # leaving; the watchdog reports whatever is still running once we are gone.
    if _runner is not None and not _runner.writer.drain(timeout=10):
        log.warning("gave up writing queued propagation results at shutdown")
    try:
        registry().remove(name)
    except Exception:
        log.exception("could not deregister %s", name)
