"""Start-up recovery: jobs and videos that a dead process left `queued`, `processing` or
`running` are queued again or failed with a reason, never left waiting forever.

- Embedded (jobs run in threads of the web process): when a web process starts, nothing of
  the previous one is running any more. Uploads are decoded again (once: a second
  interruption fails them); queued exports, imports and evaluations are queued again;
  running ones are failed ("interrupted by a restart").
- Scaled out (jobs in Redis, run by CPU workers): when a CPU worker starts, uploads the broker
  refused are queued, and decodes or jobs that have run far past their time limit (their
  worker died: a live one is stopped by its own timers) are failed with a reason. Every CPU
  worker also sweeps every SWEEP_S: a started decode or running job whose worker holds no
  lease any more (webapp.job_leases: killed with -9, OOM) on two sweeps in a row is decoded
  again (once; a second interruption fails it) or failed with a reason.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from webapp import job_leases  # noqa: F401 - a CPU worker takes job leases (its signals)

log = logging.getLogger(__name__)

INTERRUPTED = "decoding was interrupted by a restart and started again"
STALE_JOB_S = 6 * 3600  # a scaled-out export/import/evaluation running this long died
SWEEP_S = 3.0
WORKER_DIED = "interrupted: the worker running it stopped (killed or crashed); start it again"


def recover() -> dict:
    """Run the pass for this process's mode; returns what it did (counts), for logs and tests."""
    from webapp.exports.models import Evaluation, ExportJob, ImportJob, JobStatus
    from webapp.videos import queue
    from webapp.videos.models import Video, VideoStatus

    done = {"requeued_videos": 0, "failed_videos": 0, "requeued_jobs": 0, "failed_jobs": 0}
    now = timezone.now()
    processing = Video.objects.filter(status=VideoStatus.PROCESSING)
    if settings.SCALED_OUT:
        dead = now - timedelta(seconds=settings.INGEST_TIMEOUT_S + 120)
        done["failed_videos"] = processing.filter(started_at__lt=dead).update(
            status=VideoStatus.FAILED,
            error="decoding was interrupted (its worker stopped); upload the file again")
        unqueued = list(processing.filter(queued_at__isnull=True).values_list("pk", flat=True))
    else:
        interrupted = processing.filter(started_at__isnull=False)
        done["failed_videos"] = interrupted.filter(warning=INTERRUPTED).update(
            status=VideoStatus.FAILED,
            error="decoding was interrupted twice by a restart; upload the file again")
        interrupted.update(queued_at=None, started_at=None, warning=INTERRUPTED, progress=0.0)
        # Queued in the dead process's thread pool and never started: queue them again.
        processing.filter(started_at__isnull=True).update(queued_at=None)
        unqueued = list(processing.filter(queued_at__isnull=True).values_list("pk", flat=True))
    for pk in unqueued:
        try:
            queue.queue_ingest(pk)
            done["requeued_videos"] += 1
        except Exception:  # the broker is down: the next look at the video queues it
            log.warning("could not queue video %s again yet", pk)

    from webapp import jobs
    from webapp.exports import tasks

    for model, task in ((ExportJob, tasks.run_export), (ImportJob, tasks.run_import),
                        (Evaluation, tasks.run_evaluation)):
        running = model.objects.filter(status=JobStatus.RUNNING)
        if settings.SCALED_OUT:
            running = running.filter(started_at__lt=now - timedelta(seconds=STALE_JOB_S))
        done["failed_jobs"] += running.update(
            status=JobStatus.FAILED, finished_at=now,
            error="interrupted by a restart of the server or its worker; start it again")
        if not settings.SCALED_OUT:  # queued jobs lived in the dead process's thread pool
            for pk in model.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
                try:
                    jobs.submit(task, pk)
                    done["requeued_jobs"] += 1
                except Exception:
                    log.exception("could not queue %s %s again", model.__name__, pk)
    if any(done.values()):
        log.warning("start-up recovery: %s", done)
    return done


def sweep(suspects: set) -> tuple[dict, set]:
    """One look (scaled out) for decodes and jobs whose worker holds no lease. What was
    missing on the previous look too (`suspects`) is dead: decodes are queued again (failed if
    interrupted before), jobs failed with a reason. Returns (counts, the new suspects); two
    looks, so that a Redis restart (leases set again within a second) fails nothing."""
    from webapp.exports.models import Evaluation, ExportJob, ImportJob, JobStatus
    from webapp.videos import queue
    from webapp.videos.models import Video, VideoStatus

    done = {"requeued_videos": 0, "failed_videos": 0, "failed_jobs": 0}
    decoding = Video.objects.filter(status=VideoStatus.PROCESSING, started_at__isnull=False)
    found = {("video", pk) for pk in _orphans(decoding, "video")}
    models = {"export": ExportJob, "import": ImportJob, "evaluation": Evaluation}
    for kind, model in models.items():
        found |= {(kind, pk) for pk in _orphans(model.objects.filter(status=JobStatus.RUNNING),
                                                kind)}
    now = timezone.now()
    for kind, pk in sorted(found & suspects):
        if kind == "video":
            again = decoding.filter(pk=pk).exclude(warning=INTERRUPTED)
            if again.update(queued_at=None, started_at=None, warning=INTERRUPTED, progress=0.0):
                try:
                    queue.queue_ingest(pk)
                except Exception:  # the broker is down: the next look at the video queues it
                    log.warning("could not queue video %s again yet", pk)
                done["requeued_videos"] += 1
            else:
                done["failed_videos"] += decoding.filter(pk=pk).update(
                    status=VideoStatus.FAILED, error="decoding was interrupted twice (its "
                    "worker stopped); upload the file again")
        else:
            done["failed_jobs"] += models[kind].objects.filter(
                pk=pk, status=JobStatus.RUNNING).update(status=JobStatus.FAILED,
                                                        finished_at=now, error=WORKER_DIED)
    if any(done.values()):
        log.warning("sweep: work of a dead CPU worker: %s", done)
    return done, found - suspects


def _orphans(qs, kind: str) -> set[int]:
    pks = set(qs.values_list("pk", flat=True))
    return pks - job_leases.held(kind, pks)


def sweep_forever() -> None:
    """A CPU worker's sweeps, on a daemon thread (webapp.job_leases' worker_ready hook)."""
    def run():
        suspects: set = set()
        while True:
            close_old_connections()
            try:
                _, suspects = sweep(suspects)
            except Exception as exc:  # Redis or the database down: look again later
                log.warning("recovery sweep failed: %s", exc)
                suspects = set()
            time.sleep(SWEEP_S)

    threading.Thread(target=run, name="maskflow-sweep", daemon=True).start()


def recover_in_background() -> None:
    """Run recover() off the caller's thread (a server starting up must not wait on it)."""
    def run():
        close_old_connections()
        try:
            recover()
        except Exception:  # e.g. tables not migrated yet: nothing to recover
            log.exception("start-up recovery failed")
        finally:
            connections.close_all()

    threading.Thread(target=run, name="maskflow-recovery", daemon=True).start()
