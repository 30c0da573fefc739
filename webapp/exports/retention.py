"""Export retention and limits: zips expire after EXPORT_RETENTION_HOURS, at most
EXPORTS_MAX_KEPT_PER_VIDEO finished zips are kept per video (or per project for
whole-project exports), and a user has at most EXPORTS_MAX_ACTIVE_PER_USER queued or
running exports.

An expired export keeps its row (status `done`, `expired_at` set, `file` cleared): its GET
says `expired: true` with `download_url: null`, and its download answers 410."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import APIException

from webapp.exports.models import ExportJob, JobStatus
from webapp.storage_cleanup import delete_on_commit, export_files

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class TooManyExports(APIException):
    status_code = 429
    default_code = "rate_limited"
    default_detail = "too many exports at once"


def expire(jobs: QuerySet, *, inline: bool = False) -> int:
    """Mark these done exports expired and delete their zips on commit; returns how many."""
    with transaction.atomic():
        rows = list(jobs.filter(status=JobStatus.DONE, expired_at__isnull=True)
                    .select_for_update().only("pk", "file"))
        if not rows:
            return 0
        ExportJob.objects.filter(pk__in=[j.pk for j in rows]).update(
            expired_at=timezone.now(), file="")
        for job in rows:
            delete_on_commit(*export_files(job), inline=inline)
    return len(rows)


def past_retention(now=None) -> QuerySet:
    hours = settings.EXPORT_RETENTION_HOURS
    if hours <= 0:
        return ExportJob.objects.none()
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    return ExportJob.objects.filter(status=JobStatus.DONE, expired_at__isnull=True,
                                    finished_at__lt=cutoff)


def prune_expired(project=None, *, inline: bool = False, now=None) -> int:
    """Expire every export past its retention (of one project, or of all)."""
    qs = past_retention(now)
    if project is not None:
        qs = qs.filter(project=project)
    return expire(qs, inline=inline)


def prune_kept(job: ExportJob, *, inline: bool = False) -> int:
    """Keep only the newest EXPORTS_MAX_KEPT_PER_VIDEO finished zips of `job`'s video (or of
    its project's whole-project exports); expire the older ones."""
    keep = settings.EXPORTS_MAX_KEPT_PER_VIDEO
    if keep <= 0:
        return 0
    same = ExportJob.objects.filter(project_id=job.project_id, video_id=job.video_id,
                                    status=JobStatus.DONE, expired_at__isnull=True)
    older = list(same.order_by("-finished_at", "-id").values_list("pk", flat=True)[keep:])
    return expire(ExportJob.objects.filter(pk__in=older), inline=inline) if older else 0


def check_active(user) -> None:
    """Raise TooManyExports (429) when `user` already has the maximum queued or running.

    Call inside transaction.atomic() before creating the job: the user's row is locked, so
    concurrent requests of one user are counted one after another (SQLite transactions are
    IMMEDIATE already)."""
    limit = settings.EXPORTS_MAX_ACTIVE_PER_USER
    if limit <= 0:
        return
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    active = ExportJob.objects.filter(created_by=user, status__in=ACTIVE).count()
    if active >= limit:
        raise TooManyExports(
            f"you already have {active} exports queued or running, the limit is {limit} per "
            f"user (EXPORTS_MAX_ACTIVE_PER_USER); wait for one to finish and try again")
