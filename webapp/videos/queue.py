"""The ingest job's queue state: queue an upload's decode, queue it again when the broker
was down, and say so on the video when no worker has taken it."""
from __future__ import annotations

import logging

from django.db.models import Case, CharField, F, Value, When
from django.utils import timezone

from webapp import jobs
from webapp.videos.models import Video, VideoStatus

log = logging.getLogger(__name__)

NOT_QUEUED = ("not queued yet: the job queue (Redis) was unreachable; the upload is kept and "
              "is queued again as soon as the queue answers")


def queue_ingest(video_id: int) -> None:
    """Queue the decode of a `processing` video that is not queued yet (exactly once among
    concurrent callers). Raises jobs.BrokerUnavailable, leaving the video to be queued again."""
    from webapp.videos.ingest import ingest_task

    now = timezone.now()
    if not Video.objects.filter(pk=video_id, status=VideoStatus.PROCESSING,
                                queued_at__isnull=True).update(queued_at=now):
        return  # queued already (or no longer processing)
    try:
        jobs.submit(ingest_task, video_id)
    except jobs.BrokerUnavailable:
        Video.objects.filter(pk=video_id).update(queued_at=None, warning=NOT_QUEUED)
        raise
    Video.objects.filter(pk=video_id, warning=NOT_QUEUED).update(warning="")


def mark_started(video_id: int) -> None:
    """A worker took the job: clear any waiting notice (a restart's notice stays, so that
    webapp.recovery sees a second interruption)."""
    from webapp.recovery import INTERRUPTED

    Video.objects.filter(pk=video_id).update(
        started_at=timezone.now(),
        warning=Case(When(warning=INTERRUPTED, then=F("warning")), default=Value(""),
                     output_field=CharField()))


def refresh(videos) -> None:
    """Before showing `videos`: queue again what the broker refused, and note (on the video
    and in the log, once) a job no worker has picked up for JOB_PICKUP_WARN_S."""
    for v in videos:
        if v.status != VideoStatus.PROCESSING:
            continue
        if v.queued_at is None:
            try:
                queue_ingest(v.pk)
            except jobs.BrokerUnavailable:
                pass
        elif v.started_at is None:
            msg = jobs.pickup_warning(v.queued_at, False, "upload", stored=True)
            if msg and not v.warning:
                if Video.objects.filter(pk=v.pk, started_at__isnull=True, warning="").update(
                        warning=msg):
                    log.warning("video %s: %s", v.pk, msg)
        else:
            continue
        v.refresh_from_db(fields=["queued_at", "started_at", "warning", "status"])
