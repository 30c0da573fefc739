from rest_framework import serializers

from webapp.accounts.fields import StrictModelSerializer
from webapp.videos.models import Video


class VideoSerializer(StrictModelSerializer):  # strict: {"name": 0} is a 400, not "0"
    class Meta:
        model = Video
        fields = [
            "id", "project", "name", "status", "progress", "error", "warning", "num_frames",
            "fps", "width", "height", "duration", "size_bytes", "created_at",
        ]
        read_only_fields = [f for f in fields if f != "name"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the video file (mp4, mov, webm, mkv, avi, ...)")


class VideoDetailSerializer(VideoSerializer):
    """The detail view adds each frame's presentation time (seconds, decode order), so
    clients show exact times for variable-frame-rate videos."""

    class Meta(VideoSerializer.Meta):
        fields = VideoSerializer.Meta.fields + ["timestamps"]
        read_only_fields = VideoSerializer.Meta.read_only_fields + ["timestamps"]
