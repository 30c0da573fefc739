"""Read-only REST views of a video's masklets and masks (edits go over the websocket)."""
from collections import defaultdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.projects.access import video_for


class ObjectSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="label.name", default=None, read_only=True)

    class Meta:
        model = Object
        fields = ["id", "label", "name", "color", "review_status", "seq"]


class MaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameMask
        fields = ["object_id", "frame", "rle", "score", "source"]


def _frame_param(request) -> int | None:
    """The `frame` query parameter as an int (None when absent); 400 when not a number."""
    raw = request.query_params.get("frame")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({"frame": [f"{raw!r} is not a frame number"]}) from None


class PromptSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None, read_only=True)

    class Meta:
        model = Prompt
        fields = ["seq", "object_id", "frame", "kind", "payload", "user", "created_at"]


class PromptsView(APIView):
    """The prompt log of live objects, in seq order; `?frame=N` narrows it to one frame."""

    @extend_schema(
        parameters=[OpenApiParameter("frame", int, required=False)],
        responses={200: PromptSerializer(many=True)},
    )
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        prompts = Prompt.objects.filter(video=video, object__deleted=False).select_related("user")
        frame = _frame_param(request)
        if frame is not None:
            prompts = prompts.filter(frame=frame)
        return Response(PromptSerializer(prompts.order_by("seq"), many=True).data)


class ObjectsView(APIView):
    @extend_schema(responses={200: ObjectSerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        objects = video.masklets.filter(deleted=False).select_related("label")
        return Response(ObjectSerializer(objects, many=True).data)


class MasksView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("frame", int, required=True)],
        responses={200: MaskSerializer(many=True)},
    )
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        frame = _frame_param(request)
        if frame is None:
            raise ValidationError({"frame": ["the query parameter frame=N is required"]})
        if not 0 <= frame < max(video.num_frames, 1):
            raise ValidationError(
                {"frame": [f"frame {frame} is outside [0, {video.num_frames})"]}
            )
        masks = FrameMask.objects.filter(video=video, frame=frame, object__deleted=False)
        return Response(MaskSerializer(masks, many=True).data)


class TimelineView(APIView):
    """Per object: the frames that have a mask and the frames that were prompted."""

    @extend_schema(responses={200: dict})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        mask_frames: dict[int, list[int]] = defaultdict(list)
        prompt_frames: dict[int, set[int]] = defaultdict(set)
        live = list(video.masklets.filter(deleted=False).values_list("id", flat=True))
        for oid, frame in (
            FrameMask.objects.filter(video=video, object_id__in=live)
            .order_by("object_id", "frame")
            .values_list("object_id", "frame")
        ):
            mask_frames[oid].append(frame)
        for oid, frame in Prompt.objects.filter(video=video, object_id__in=live).values_list(
            "object_id", "frame"
        ):
            prompt_frames[oid].add(frame)
        return Response(
            [
                {"object_id": oid, "mask_frames": mask_frames[oid],
                 "prompt_frames": sorted(prompt_frames[oid])}
                for oid in live
            ]
        )
