"""Masklets (objects), the append-only prompt log, and per-frame masks."""
from django.conf import settings
from django.db import models

from webapp.projects.models import LabelClass
from webapp.videos.models import Video


class ReviewStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Object(models.Model):
    """One masklet: an object tracked through a video."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="masklets")
    label = models.ForeignKey(
        LabelClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="masklets"
    )
    name = models.CharField(max_length=200, blank=True)
    color = models.CharField(max_length=7, default="#e6194b")
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    seq = models.BigIntegerField(default=0)  # seq of the last change to this object
    deleted = models.BooleanField(default=False)  # soft delete keeps the log replayable

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["video", "deleted"])]

    def __str__(self) -> str:
        return self.name or f"object {self.pk}"

    def wire(self) -> dict:
        """The object as every client sees it: room events, sync and REST (one shape,
        typed as protocol.ObjectOut)."""
        return {
            "id": self.pk,
            "label": self.label.name if self.label_id else None,
            "name": self.name,
            "color": self.color,
            "review_status": self.review_status,
            "seq": self.seq,
        }


class PromptKind(models.TextChoices):
    POINT = "point"
    BOX = "box"
    MASK = "mask"


class Prompt(models.Model):
    """Append-only log of everything sent to SAM 2 for a video, ordered by seq.
    Replaying it rebuilds a session after eviction or a worker crash."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="prompts")
    seq = models.BigIntegerField()
    object = models.ForeignKey(Object, on_delete=models.CASCADE, related_name="prompts")
    frame = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=PromptKind.choices)
    # points/labels/box/clear_old for point and box prompts; rle for mask prompts.
    payload = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["video", "seq"], name="uniq_prompt_seq"),
        ]
        indexes = [models.Index(fields=["object", "frame"])]


class MaskSource(models.TextChoices):
    PROMPT = "prompt"
    PROPAGATION = "propagation"
    IMPORT = "import"
    EDIT = "edit"  # a masklet operation (split, merge, clear, duplicate)


class FrameMask(models.Model):
    """The current mask of one object on one frame, as COCO compressed RLE."""

    object = models.ForeignKey(Object, on_delete=models.CASCADE, related_name="masks")
    # Denormalised from object.video so that "all masks of frame N" is one index scan.
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="masks")
    frame = models.PositiveIntegerField()
    rle = models.JSONField()  # {"size": [h, w], "counts": str}
    area = models.PositiveIntegerField(default=0)
    bbox = models.JSONField(default=list)  # [x, y, w, h], COCO style
    score = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=MaskSource.choices)
    # Quality-flag inputs (webapp.review.flagstore): SAM 2's predicted IoU of the mask; for
    # propagated masks the direction ("f"/"b") and, where it replaced the other direction's
    # mask, the IoU between the two (forward/backward agreement).
    iou = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=1, blank=True, default="")
    agreement = models.FloatField(null=True, blank=True)
    seq = models.BigIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["frame", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["object", "frame"], name="uniq_mask_object_frame"),
        ]
        indexes = [
            models.Index(fields=["video", "frame"]),
            models.Index(fields=["video", "seq"]),
        ]
