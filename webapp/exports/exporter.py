"""Run one export job: plan, stream the chosen format into a zip, store it."""
from __future__ import annotations

from django.utils.text import slugify

from webapp.exports.archive import ZipStreamWriter
from webapp.exports.formats import DEFAULT_STRIDES, WRITERS, mots
from webapp.exports.formats.base import ExportError, build_plan
from webapp.exports.models import ExportJob
from webapp.videos.models import Video, VideoStatus


def run_export(job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("project", "video").get(pk=job_id)

    def work() -> dict:
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
        progress = job.progress_reporter(plan.total_frames)
        base = slugify(job.video.name if job.video_id else job.project.name)[:60] or "export"
        with ZipStreamWriter() as zw:
            WRITERS[job.format](plan, zw, progress)
            name, size = zw.save(f"exports/{job.pk}/maskflow-{base}-{job.format}.zip")
        return {"file": name, "size_bytes": size, "frames_written": plan.total_frames}

    return job.run(work, expected=(ExportError,))


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

