"""The team workflow's records: comments pinned to frames, the review history (every stage
change and accept/reject, for review rounds and analytics), and stored quality flags."""
from django.conf import settings
from django.db import models

from webapp.annotations.models import Object
from webapp.videos.models import Video


class Comment(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    object = models.ForeignKey(Object, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    frame = models.PositiveIntegerField()
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    text = models.TextField()
    # Set when the comment came with a review decision on `object` (accepted / rejected).
    decision = models.CharField(max_length=16, blank=True)
    resolved = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["frame", "id"]
        indexes = [models.Index(fields=["video", "frame"])]


class ReviewEvent(models.Model):
    """One review-relevant change: a video's stage (`kind` stage, `value` the new stage) or a
    masklet's review status (`kind` status, `value` the new status)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="review_events")
    object = models.ForeignKey(Object, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    kind = models.CharField(max_length=8)
    value = models.CharField(max_length=16)
    previous = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["video", "created_at"])]


class QualityFlag(models.Model):
    """A frame of a masklet that webapp.review.quality flagged (unflagged frames have no row)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    object = models.ForeignKey(Object, on_delete=models.CASCADE, related_name="+")
    frame = models.PositiveIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["object_id", "frame"]
        constraints = [models.UniqueConstraint(fields=["object", "frame"], name="uniq_flag")]
        indexes = [models.Index(fields=["video", "frame"])]


class FlagState(models.Model):
    """The highest mask seq the stored flags of `video` account for; masks stored with a
    larger seq by a path without the incremental hook (imports) make the next read rescore."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, primary_key=True,
                                 related_name="+")
    scored_seq = models.BigIntegerField(default=0)


class PropagationRun(models.Model):
    """A propagation someone started (for analytics: runs, and frames corrected after one)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    frame = models.PositiveIntegerField()
    direction = models.CharField(max_length=8)
    object_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
