"""`python -m webapp.realtime.worker`: start one Celery worker (what `make worker` runs).

By default an inference worker: `--pool solo` (tasks on the main thread, where torch is
fastest), prefetch 1, a unique name, and its own queue `inference.<name>` (the lease registry
sends each video's commands there). `--queues cpu` starts a worker for ingest and export jobs
instead, so those never delay clicks.
"""
from __future__ import annotations

import argparse
import importlib
import os
import socket
import sys
import uuid

TASK_MODULES = ("webapp.realtime.tasks", "webapp.videos.ingest", "webapp.exports.tasks")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m webapp.realtime.worker", description=__doc__)
    ap.add_argument("--queues", default="inference",
                    help="'inference' (default) or a Celery queue list such as 'cpu'")
    ap.add_argument("--name", default="", help="worker name prefix (default: inference/cpu)")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--loglevel", default=os.environ.get("LOG_LEVEL", "INFO"))
    ap.add_argument("--metrics-port", type=int, default=int(os.environ.get("METRICS_PORT") or 0),
                    help="serve this process's Prometheus metrics on this port (0: off)")
    args = ap.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    if args.queues == "inference":
        # No health-check query per command (tasks.run_command closes a connection that
        # failed instead): after a database restart one command fails and the next replays
        # it from the prompt log (runner.catch_up). A round trip saved on every click.
        os.environ.setdefault("DB_CONN_HEALTH_CHECKS", "0")
    import django

    django.setup()
    from django.conf import settings

    if not settings.SCALED_OUT:
        sys.exit("webapp.realtime.worker needs REDIS_URL (the embedded mode runs inference in "
                 "the web process)")
    host = socket.gethostname()
    if args.queues == "inference":
        name = f"{args.name or 'inference'}-{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        os.environ["MASKFLOW_WORKER_NAME"] = name
        queues, pool = f"inference.{name}", "solo"
    else:
        name = f"{args.name or args.queues.replace(',', '-')}-{host}-{os.getpid()}"
        queues, pool = args.queues, "solo" if args.concurrency == 1 else "threads"
        from webapp.recovery import recover_in_background

        recover_in_background()  # jobs a dead CPU worker left behind
    from webapp.ops.worker import started

    started("inference" if args.queues == "inference" else "cpu", name, args.metrics_port)
    from webapp.celery import app

    # Register tasks explicitly: not every task lives in an app's tasks.py (autodiscovery).
    for module in TASK_MODULES:
        importlib.import_module(module)

    # Celery's Django fixup closes the DB connection around every task unless told to reuse
    # it: a new Postgres connection per click costs more than the click itself.
    app.conf.CELERY_DB_REUSE_MAX = 1000
    if args.queues == "inference":
        # Commands are fire-and-forget (the prompt log is the truth and a new worker replays
        # it), so skip kombu's redelivery bookkeeping: two Redis round trips per command.
        app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                             "ack_emulation": False}
    app.worker_main([
        "worker", "-n", f"{name}@{host}", "-Q", queues, "--pool", pool,
        "--concurrency", str(args.concurrency), "--prefetch-multiplier", "1",
        "--without-gossip", "--without-mingle", "--loglevel", args.loglevel,
    ])


if __name__ == "__main__":
    main()
