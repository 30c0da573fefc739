"""REST views of the team workflow: my work, comments, review decisions, quality flags,
analytics and password change. Permissions: non-members get 404, roles without the right 403
(webapp.projects.access)."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import renderers, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.annotations.models import FrameMask, Object
from webapp.projects.access import project_for, video_for
from webapp.projects.models import Membership
from webapp.review import comments, consensus, flagstore, load
from webapp.review.analytics import to_csv
from webapp.review.models import Comment
from webapp.review.serializers import (
    CommentCreateSerializer,
    CommentPatchSerializer,
    CommentSerializer,
    ConsensusPickSerializer,
    ConsensusQuerySerializer,
    ConsensusSerializer,
    FlagSerializer,
    PasswordChangeSerializer,
    ReviewDecisionSerializer,
    WorkProjectSerializer,
)
from webapp.videos.models import Video


class VideoCommentsView(APIView):
    @extend_schema(responses={200: CommentSerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        rows = Comment.objects.filter(video=video).select_related("author")
        return Response(CommentSerializer(rows, many=True).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, video_id):
        video, role = video_for(request.user, video_id)
        comments.require_comment_role(role)
        ser = CommentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        comment = comments.create(request.user, video, ser.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(request=CommentPatchSerializer, responses={200: CommentSerializer})
    def patch(self, request, comment_id):
        comment, role = comments.comment_for(request.user, comment_id)
        comments.require_comment_role(role)
        ser = CommentPatchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        comment = comments.update(request.user, role, comment, dict(ser.validated_data))
        return Response(CommentSerializer(comment).data)


class ReviewDecisionView(APIView):
    @extend_schema(
        request=ReviewDecisionSerializer,
        responses={200: inline_serializer("ReviewDecisionResult", {
            "object": serializers.DictField(help_text="the masklet, as GET .../objects/ lists it"),
            "comment": CommentSerializer(allow_null=True)})},
        description="Sets a masklet's review status under the websocket's rules (reviewers, "
                    "admins and owners accept and reject; annotators move their own work "
                    "between draft and submitted) and, with `comment`, pins a comment to the "
                    "masklet. Answers `{object, comment}`; the room hears `object.updated` "
                    "and `comment.created`.")
    def post(self, request, video_id, object_id):
        video, _ = video_for(request.user, video_id)
        ser = ReviewDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj, comment = comments.decide(request.user, video, object_id, ser.validated_data)
        return Response({"object": obj,
                         "comment": CommentSerializer(comment).data if comment else None})


class FlagsView(APIView):
    @extend_schema(responses={200: FlagSerializer(many=True)},
                   description="Flagged frames of the video's live masklets, by object and "
                               "frame (webapp/review/quality.py says how they are scored).")
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        return Response(flagstore.flags_of(video))


class ConsensusView(APIView):
    @extend_schema(parameters=[ConsensusQuerySerializer], responses={200: ConsensusSerializer},
                   description="J&F between two annotators' masklets of this video (each "
                               "one's own drawing, imports excluded), paired by the "
                               "evaluation code's Hungarian assignment; worst pairs first.")
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        q = ConsensusQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        d = q.validated_data
        a, b = consensus.people(video, d.get("a"), d.get("b"))
        return Response(consensus.compare(video, a, b, d["protocol"], d["stride"]))


class ConsensusPickView(APIView):
    @extend_schema(
        request=ConsensusPickSerializer,
        responses={200: inline_serializer("ConsensusPickResult", {
            "kept": serializers.DictField(), "dropped": serializers.DictField(),
            "comment": CommentSerializer()})},
        description="Reviewers, admins and owners: accept `keep` and soft-delete `drop` in "
                    "one transaction; the room hears object.updated, object.deleted and "
                    "comment.created.")
    def post(self, request, video_id):
        video, role = video_for(request.user, video_id)
        consensus.require_picker(role)  # a refusal before any word on the body
        ser = ConsensusPickSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        out = consensus.pick(request.user, role, video, d["keep"], d["drop"],
                             d.get("comment", ""))
        out["comment"] = CommentSerializer(out["comment"]).data
        return Response(out)


class MyWorkView(APIView):
    @extend_schema(responses={200: WorkProjectSerializer(many=True)})
    def get(self, request):
        me = request.user
        videos = list(Video.objects.filter(Q(assignee=me) | Q(reviewer=me)
                                           | Q(second_assignee=me))
                      .select_related("project", "assignee", "reviewer", "second_assignee")
                      .order_by("project_id", "id"))
        roles = dict(Membership.objects.filter(user=me).values_list("project_id", "role"))
        videos = [v for v in videos if v.project_id in roles or me.is_superuser]
        ids = [v.pk for v in videos]
        frames = dict(FrameMask.objects.filter(video_id__in=ids, area__gt=0,
                                               object__deleted=False)
                      .values("video_id").annotate(n=Count("frame", distinct=True))
                      .values_list("video_id", "n"))
        objs = {r["video_id"]: r for r in Object.objects.filter(video_id__in=ids, deleted=False)
                .values("video_id").annotate(
                    n=Count("id"), acc=Count("id", filter=Q(review_status="accepted")),
                    rej=Count("id", filter=Q(review_status="rejected")))}
        open_comments = dict(Comment.objects.filter(video_id__in=ids, resolved=False)
                             .values("video_id").annotate(n=Count("id"))
                             .values_list("video_id", "n"))
        out: dict[int, dict] = {}
        for v in videos:
            entry = out.setdefault(v.project_id, {
                "project": {"id": v.project_id, "name": v.project.name},
                "role": roles.get(v.project_id, "owner"), "videos": []})
            o = objs.get(v.pk, {})
            entry["videos"].append({
                "id": v.pk, "name": v.name, "status": v.status, "stage": v.stage,
                "assignee": v.assignee.username if v.assignee_id else None,
                "reviewer": v.reviewer.username if v.reviewer_id else None,
                "second_assignee": (v.second_assignee.username if v.second_assignee_id
                                    else None),
                # The second annotator's part is to annotate too (a second, own set).
                "my_part": [p for p, uid in (("annotate", v.assignee_id),
                                             ("annotate", v.second_assignee_id),
                                             ("review", v.reviewer_id)) if uid == me.pk],
                "num_frames": v.num_frames, "frames_with_masks": frames.get(v.pk, 0),
                "masklets": o.get("n", 0), "masklets_accepted": o.get("acc", 0),
                "masklets_rejected": o.get("rej", 0),
                "open_comments": open_comments.get(v.pk, 0),
            })
        return Response(list(out.values()))


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, str) else json.dumps(data)


def _day(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=timezone.utc)
    except ValueError:
        raise ValidationError({name: [f"{raw!r} is not a date (YYYY-MM-DD)"]}) from None


class AnalyticsView(APIView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    def handle_exception(self, exc):
        # Refusals keep the API's JSON error shape, ?format=csv or not.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], required=False),
            OpenApiParameter("since", str, required=False, description="YYYY-MM-DD (UTC)"),
            OpenApiParameter("until", str, required=False,
                             description="YYYY-MM-DD (UTC), inclusive"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT,
                   (200, "text/csv"): OpenApiTypes.STR},
        description="Annotation time, clicks, propagation runs, corrections and review "
                    "rounds per project, annotator, video, masklet and day (manage or review "
                    "role). The idle rule is in the answer's `idle_rule`.")
    def get(self, request, project_id):
        project, role = project_for(request.user, project_id)
        if role not in ("owner", "admin", "reviewer"):
            raise PermissionDenied(f"your role ({role}) may not see the team's analytics")
        until = _day(request, "until")
        report = load.report(project, _day(request, "since"),
                             until + timedelta(days=1) if until else None)
        if request.accepted_renderer.format == "csv":
            resp = Response(to_csv(report), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = f'attachment; filename="analytics-{project.pk}.csv"'
            return resp
        return Response(report)


class PasswordView(APIView):
    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        ser = PasswordChangeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = request.user
        if not user.check_password(ser.validated_data["old_password"]):
            raise ValidationError({"old_password": ["the current password is wrong"]})
        try:
            validate_password(ser.validated_data["new_password"], user)
        except DjangoValidationError as exc:
            raise ValidationError({"new_password": list(exc.messages)}) from None
        user.set_password(ser.validated_data["new_password"])
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)  # this session stays signed in
        return Response(status=status.HTTP_204_NO_CONTENT)
