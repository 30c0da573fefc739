"""Uploaded videos and their ingest state."""
from django.conf import settings
from django.db import models

from webapp.projects.models import Project


class VideoStatus(models.TextChoices):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Video(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="videos")
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=500, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=VideoStatus.choices, default=VideoStatus.PROCESSING
    )
    progress = models.FloatField(default=0.0)  # 0..100, while processing
    error = models.TextField(blank=True)
    warning = models.TextField(blank=True)  # e.g. "kept 120 decodable frames of a corrupt stream"
    fps = models.FloatField(default=0.0)
    num_frames = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    duration = models.FloatField(default=0.0)
    rotation = models.IntegerField(default=0)
    # Presentation time in seconds of each frame, indexed by decode order (VFR-safe).
    timestamps = models.JSONField(default=list, blank=True)
    # Per-video change counter; see webapp.annotations.seq.next_seq.
    seq = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The ingest job's life: queued_at is set once the broker took it (null: not queued, e.g.
    # the broker was down; the next look at the video queues it again), started_at once a
    # worker began decoding.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in VideoStatus]),
                name="video_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def frame_path(self, n: int) -> str:
        """Storage name of frame n's JPEG."""
        return f"frames/{self.pk}/{n:06d}.jpg"
