"""Uploaded videos (and image sequences, which are videos made of pictures) and their
ingest state."""
import posixpath

from django.conf import settings
from django.db import models

from webapp.projects.models import Project


class VideoStatus(models.TextChoices):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class SourceKind(models.TextChoices):
    VIDEO = "video"
    IMAGE_SEQUENCE = "image_sequence"  # a zip of JPEG/PNG frames
    IMAGE = "image"  # one JPEG/PNG: a one-frame item


class Stage(models.TextChoices):
    ANNOTATE = "annotate"
    REVIEW = "review"
    DONE = "done"


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
    source_kind = models.CharField(max_length=16, choices=SourceKind.choices,
                                   default=SourceKind.VIDEO)
    # Image uploads: each frame's original file name (relative to the frames' common folder
    # of a zip, e.g. "00000.jpg"); empty for videos. See frame_stem().
    frame_names = models.JSONField(default=list, blank=True)
    # The thumbnail's frame (webapp.videos.poster): the first frame that is not dark or flat.
    poster_frame = models.PositiveIntegerField(default=0)
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
    # Team workflow (webapp.review.assign): who annotates, who reviews, and where it stands.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_videos")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reviewing_videos")
    # Consensus (webapp.review.consensus): a second annotator labels the same video on their
    # own; the reviewer compares the two sets by J&F and keeps the better masklet of each pair.
    second_assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL,
                                        related_name="second_assigned_videos")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.ANNOTATE)

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

    def frame_stem(self, i: int) -> str:
        """The name exports give frame i (without extension): the uploaded picture's own
        stem (DAVIS "00000", "frame_0042"), or "00000"-style numbering for videos and when
        the kept names would not be unique once their extensions are dropped."""
        stems = self._frame_stems()
        return stems[i] if stems is not None and 0 <= i < len(stems) else f"{i:05d}"

    def _frame_stems(self) -> list[str] | None:
        names = self.frame_names or []
        cache = getattr(self, "_stems_cache", None)
        if cache is not None and cache[0] is names:
            return cache[1]
        stems: list[str] | None = [
            "".join(c if c >= " " else "_" for c in posixpath.splitext(n)[0]).replace("/", "_")
            for n in names
        ]
        if not stems or len(set(stems)) != len(stems) or not all(stems):
            stems = None
        self._stems_cache = (names, stems)
        return stems
