"""Run one export job: plan, stream the chosen format into a zip, store it."""
from __future__ import annotations

import logging
import time

from django.utils import timezone
from django.utils.text import slugify

from webapp.exports.archive import ZipStreamWriter
from webapp.exports.formats import DEFAULT_STRIDES, WRITERS, mots
from webapp.exports.formats.base import ExportError, build_plan
from webapp.exports.models import ExportJob, JobStatus
from webapp.videos.models import Video, VideoStatus

log = logging.getLogger(__name__)


class _Progress:
    """Accumulates frames done; writes progress to the row at most twice a second."""

    interval = 0.5

    def __init__(self, job: ExportJob, total: float) -> None:
        self.job, self.total, self.done, self.last = job, max(total, 1.0), 0.0, 0.0

    def __call__(self, units: float) -> None:
        self.done += units
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            pct = min(99.0, 100.0 * self.done / self.total)
            ExportJob.objects.filter(pk=self.job.pk).update(progress=pct)


def run_export(job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("project", "video").get(pk=job_id)
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.0
    )
    try:
        if job.video_id:
            videos = [job.video]
        else:
            videos = list(
                Video.objects.filter(project=job.project, status=VideoStatus.READY).order_by("id")
            )
        for v in videos:
            if v.status != VideoStatus.READY:
                raise ExportError(f"video {v.pk} is not ready ({v.status})")
        plan = build_plan(job.project, videos, job.options or {},
                          default_stride=DEFAULT_STRIDES.get(job.format))
        progress = _Progress(job, plan.total_frames)
        base = slugify(job.video.name if job.video_id else job.project.name)[:60] or "export"
        with ZipStreamWriter() as zw:
            WRITERS[job.format](plan, zw, progress)
            name, size = zw.save(f"exports/{job.pk}/maskflow-{base}-{job.format}.zip")
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, progress=100.0, file=name, size_bytes=size,
            frames_written=plan.total_frames, finished_at=timezone.now(), error="",
        )
    except ExportError as e:
        _fail(job, str(e))
    except Exception as e:
        log.exception("export %s failed", job.pk)
        _fail(job, f"internal error: {type(e).__name__}: {e}")
    job.refresh_from_db()
    return job


def check_options(project, video, fmt: str, options: dict) -> None:
    """Refuse, before queueing, an export its format cannot write as asked (an
    ExportError with the message for a 400): MOTS labels that map to no MOTS class."""
    if fmt != "mots":
        return
    if video is not None:
        videos = [video]
    else:
        videos = list(Video.objects.filter(project=project, status=VideoStatus.READY))
    mots.class_ids(build_plan(project, videos, options))


def _fail(job, message: str) -> None:
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
