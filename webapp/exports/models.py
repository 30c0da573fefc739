"""Export and import jobs, and stored J&F evaluations."""
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from webapp.annotations.models import Object
from webapp.projects.models import Project
from webapp.videos.models import Video

log = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportFormat(models.TextChoices):
    DAVIS = "davis"
    YTVIS = "ytvis"
    COCO = "coco"
    SAV = "sav"
    YOLO = "yolo"
    MOTS = "mots"
    CVAT = "cvat"  # CVAT for video 1.1 XML, polygon tracks


# Every export format imports back, so the two sets are one enum (the schema would otherwise
# carry two identical enums, which drf-spectacular rightly warns about).
ImportFormat = ExportFormat


PROGRESS_INTERVAL_S = 0.5


class Job(models.Model):
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)  # 0..100
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    # The lifecycle every job shares: queued|running -> running -> done|failed.

    def run(self, work: Callable[[], dict], expected: tuple[type[Exception], ...] = ()):
        """Run `work` as this job. It returns the fields to store with `done`; an `expected`
        error fails the job with its message, any other with "internal error: ...", logged.
        A job that already ended is left alone. Returns the row as stored."""
        if self.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return self
        self._update(status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.0)
        try:
            fields = work()
            self._update(status=JobStatus.DONE, progress=100.0, finished_at=timezone.now(),
                         error="", **fields)
        except expected as e:
            self.fail(str(e))
        except Exception as e:
            log.exception("%s failed", self)
            self.fail(f"internal error: {type(e).__name__}: {e}")
        self.refresh_from_db()
        return self

    def fail(self, message: str) -> None:
        self._update(status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now())

    def progress_reporter(self, total: float = 1.0) -> Callable[[float], None]:
        """A callback taking units done (of `total`); stores the percentage (at most 99
        until done) at most twice a second."""
        job, total = self, max(total, 1.0)
        state = {"done": 0.0, "last": 0.0}

        def report(units: float) -> None:
            state["done"] += units
            now = time.monotonic()
            if now - state["last"] >= PROGRESS_INTERVAL_S:
                state["last"] = now
                job._update(progress=min(99.0, 100.0 * state["done"] / total))

        return report

    def _update(self, **fields) -> None:
        type(self).objects.filter(pk=self.pk).update(**fields)


class ExportJob(Job):
    """One zip of one video (`video` set) or of every ready video of a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.CASCADE, related_name="exports"
    )
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    # {"stride": int, "accepted_only": bool, "include_frames": bool}
    options = models.JSONField(default=dict, blank=True)
    file = models.CharField(max_length=500, blank=True)  # storage name of the zip
    size_bytes = models.BigIntegerField(default=0)
    frames_written = models.PositiveIntegerField(default=0)
    # Set when the zip was deleted: past EXPORT_RETENTION_HOURS, or beyond the
    # EXPORTS_MAX_KEPT_PER_VIDEO newest of its video (webapp.exports.retention). The row stays
    # (status `done`) so its history and a clear 410 outlive the file.
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["project", "-created_at"]),
                   models.Index(fields=["created_by", "status"], name="exportjob_user_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in JobStatus]),
                name="exportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.format}, {self.status})"

    @property
    def expires_at(self) -> datetime | None:
        """When the zip was or will be deleted (None: not done, or kept forever)."""
        if self.expired_at:
            return self.expired_at
        hours = settings.EXPORT_RETENTION_HOURS
        if self.status != JobStatus.DONE or not self.finished_at or hours <= 0:
            return None
        return self.finished_at + timedelta(hours=hours)

    @property
    def expired(self) -> bool:
        """The zip is gone, or is past its retention and only waits for the next prune."""
        at = self.expires_at
        return at is not None and at <= timezone.now()


class ImportJob(Job):
    """Ground truth or earlier work brought into one video as new objects (source import)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="imports")
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    upload = models.CharField(max_length=500, blank=True)  # storage name of the upload
    filename = models.CharField(max_length=255, blank=True)
    # {"objects": n, "masks": n, "frames": n, "warnings": [...]}
    result = models.JSONField(default=dict, blank=True)
    created_objects = models.ManyToManyField(Object, blank=True, related_name="+")

    class Meta(Job.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in JobStatus]),
                name="importjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.format}, {self.status})"


class Evaluation(Job):
    """J&F of a candidate annotation set against a reference set of the same video."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="evaluations")
    # Selectors: {"import": id} | {"user": username} | {"objects": [ids]}
    reference = models.JSONField()
    candidate = models.JSONField()
    options = models.JSONField(default=dict, blank=True)  # stride, annotated_only, pairs
    j_mean = models.FloatField(null=True, blank=True)
    f_mean = models.FloatField(null=True, blank=True)
    jf_mean = models.FloatField(null=True, blank=True)
    # {"overall": {...}, "objects": [...], "frames": [...], "unmatched_candidates": [...]}
    result = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in JobStatus]),
                name="evaluation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation {self.pk} of video {self.video_id}"
