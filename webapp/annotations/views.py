"""Read-only REST views of a video's masklets and masks (edits go over the websocket).

Objects and prompts are plain lists, at most LIST_MAX_ROWS rows per request: `?limit=` (up to
that cap) and `?offset=` (objects) or `?after_seq=` (prompts) read further; a list cut short
says so with a `Link: <…>; rel="next"` header."""
from collections import defaultdict
from urllib.parse import urlencode

from django.conf import settings
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

    def to_representation(self, instance: Object) -> dict:
        return instance.wire()  # the same shape as the websocket's object events


class MaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameMask
        fields = ["object_id", "frame", "rle", "score", "source"]


def _int_param(request, name: str, what: str, minimum: int | None = None) -> int | None:
    """Query parameter `name` as an int (None when absent); 400 when not a number or too small."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"{raw!r} is not {what}"]}) from None
    if minimum is not None and value < minimum:
        raise ValidationError({name: [f"{name} must be at least {minimum}"]})
    return value


def _frame_param(request) -> int | None:
    return _int_param(request, "frame", "a frame number")


def _limit(request) -> int:
    cap = settings.LIST_MAX_ROWS
    limit = _int_param(request, "limit", "a number", minimum=1)
    if limit is not None and limit > cap:
        raise ValidationError({"limit": [f"limit must be at most {cap}"]})
    return limit or cap


def _page(request, rows, limit: int, next_params) -> Response:
    """`rows` holds up to limit+1 items: the extra one only says that more follow."""
    rows = list(rows)
    resp_rows, more = rows[:limit], len(rows) > limit
    resp = Response(resp_rows)
    if more:
        params = {k: v for k, v in request.query_params.items()}
        params.update(next_params(resp_rows), limit=str(limit))
        resp["Link"] = f'<{request.build_absolute_uri(request.path)}?{urlencode(params)}>; rel="next"'
    return resp


_LIMIT = OpenApiParameter(
    "limit", {"type": "integer", "minimum": 1, "maximum": settings.LIST_MAX_ROWS}, required=False,
    description=(
        "rows per response (default and maximum: LIST_MAX_ROWS, 10000 unless configured); "
        'a response cut short carries `Link: <url>; rel="next"`'
    ),
)


class PromptSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None, read_only=True)

    class Meta:
        model = Prompt
        fields = ["seq", "object_id", "frame", "kind", "payload", "user", "created_at"]


class PromptsView(APIView):
    """The prompt log of live objects, in seq order; `?frame=N` narrows it to one frame."""

    @extend_schema(
        parameters=[
            OpenApiParameter("frame", int, required=False),
            OpenApiParameter("after_seq", int, required=False, description="prompts after this seq"),
            _LIMIT,
        ],
        responses={200: PromptSerializer(many=True)},
    )
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        limit = _limit(request)
        prompts = Prompt.objects.filter(video=video, object__deleted=False).select_related("user")
        frame = _frame_param(request)
        if frame is not None:
            prompts = prompts.filter(frame=frame)
        after = _int_param(request, "after_seq", "a seq")
        if after is not None:
            prompts = prompts.filter(seq__gt=after)
        rows = PromptSerializer(prompts.order_by("seq")[: limit + 1], many=True).data
        return _page(request, rows, limit, lambda page: {"after_seq": str(page[-1]["seq"])})


class ObjectsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("offset", int, required=False), _LIMIT],
        responses={200: ObjectSerializer(many=True)},
    )
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        limit = _limit(request)
        offset = _int_param(request, "offset", "a number", minimum=0) or 0
        objects = video.masklets.filter(deleted=False).select_related("label").order_by("id")
        rows = ObjectSerializer(objects[offset: offset + limit + 1], many=True).data
        return _page(request, rows, limit, lambda page: {"offset": str(offset + limit)})


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


class TimelineTrackSerializer(serializers.Serializer):
    object_id = serializers.IntegerField()
    mask_frames = serializers.ListField(child=serializers.IntegerField())
    prompt_frames = serializers.ListField(child=serializers.IntegerField())


class TimelineView(APIView):
    """Per object: the frames that have a mask (a non-empty one, as everywhere a frame "has a
    mask": the live editor, analytics) and the frames that were prompted."""

    @extend_schema(responses={200: TimelineTrackSerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        mask_frames: dict[int, list[int]] = defaultdict(list)
        prompt_frames: dict[int, set[int]] = defaultdict(set)
        live = list(video.masklets.filter(deleted=False).values_list("id", flat=True))
        for oid, frame in (
            FrameMask.objects.filter(video=video, object_id__in=live, area__gt=0)
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
