import math

from rest_framework import serializers

from webapp.accounts.fields import StrictModelSerializer
from webapp.videos.models import Video


class VideoSerializer(StrictModelSerializer):  # strict: {"name": 0} is a 400, not "0"
    # The team workflow (webapp.review.assign): usernames or null, and the stage.
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True,
                                     allow_null=True)
    reviewer = serializers.CharField(source="reviewer.username", default=None, read_only=True,
                                     allow_null=True)
    second_assignee = serializers.CharField(source="second_assignee.username", default=None,
                                            read_only=True, allow_null=True)

    class Meta:
        model = Video
        fields = [
            "id", "project", "name", "status", "progress", "error", "warning", "num_frames",
            "fps", "width", "height", "duration", "size_bytes", "created_at", "assignee",
            "reviewer", "stage", "poster_frame", "second_assignee",
        ]
        read_only_fields = [f for f in fields if f != "name"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=(
        "a video file (mp4, mov, webm, mkv, avi, ...), a .zip of JPEG/PNG frames (every image "
        "in natural order of its path; only those under a JPEGImages/ folder when there is "
        "one; __MACOSX and dotfiles ignored), or one JPEG/PNG image (a one-frame item)"))
    fps = serializers.FloatField(
        required=False, min_value=0.01, max_value=1000.0,
        help_text="frame rate of an image sequence or image (default 24); a video keeps its own")

    def validate_fps(self, value: float) -> float:
        if not math.isfinite(value):  # min/max validators let NaN through
            raise serializers.ValidationError("a finite number between 0.01 and 1000 is required")
        return value


class VideoDetailSerializer(VideoSerializer):
    """The detail view adds each frame's presentation time (seconds, decode order), so
    clients show exact times for variable-frame-rate videos, what was uploaded
    (`source_kind`: video | image_sequence | image) and, for pictures, each frame's file name."""

    class Meta(VideoSerializer.Meta):
        fields = VideoSerializer.Meta.fields + ["timestamps", "source_kind", "frame_names"]
        read_only_fields = VideoSerializer.Meta.read_only_fields + [
            "timestamps", "source_kind", "frame_names"]
