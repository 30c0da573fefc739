"""Comments pinned to a frame (and optionally a masklet and a point), threaded and resolvable,
and review decisions (accept/reject a masklet) with an optional comment."""
from __future__ import annotations

from django.db import transaction
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from webapp.annotations.models import Object
from webapp.projects.access import require_role
from webapp.projects.models import can
from webapp.realtime import actions, events
from webapp.realtime import protocol as p
from webapp.review import wire
from webapp.review.models import Comment
from webapp.review.serializers import CommentSerializer


def may_comment(role: str) -> bool:
    return can(role, "annotate") or can(role, "review")


def require_comment_role(role: str) -> None:
    if not may_comment(role):
        raise PermissionDenied(f"your role ({role}) may read comments but not write them")


def comment_event(kind: str, comment: Comment, by: str | None) -> dict:
    data = dict(CommentSerializer(comment).data)
    data.pop("updated_at")
    data["created_at"] = comment.created_at.isoformat()
    return wire.CommentEvent(type=kind, comment=wire.CommentOut(**data), by=by) \
        .model_dump(mode="json")


def _check_frame(video, frame: int, field: str = "frame") -> None:
    if frame >= max(video.num_frames, 1):
        raise ValidationError({field: [f"frame {frame} is outside [0, {video.num_frames})"]})


def create(user, video, data: dict, decision: str = "") -> Comment:
    parent = None
    if data.get("parent") is not None:
        parent = Comment.objects.filter(pk=data["parent"], video=video).first()
        if parent is None:
            raise ValidationError({"parent": [f"comment {data['parent']} is not a comment on "
                                              "this video"]})
    frame = data.get("frame")
    if frame is None:
        if parent is None:
            raise ValidationError({"frame": ["frame is required (unless replying to a parent)"]})
        frame = parent.frame
    _check_frame(video, frame)
    object_id = data.get("object_id")
    if object_id is None and parent is not None:
        object_id = parent.object_id
    if object_id is not None and not Object.objects.filter(pk=object_id, video=video,
                                                           deleted=False).exists():
        raise ValidationError({"object_id": [f"object {object_id} is not a live object of this "
                                             "video"]})
    x, y = data.get("x"), data.get("y")
    if (x is None) != (y is None):
        raise ValidationError({"x": ["give both x and y, or neither"]})
    if x is not None and not (0 <= x <= video.width and 0 <= y <= video.height):
        raise ValidationError({"x": [f"point ({x}, {y}) is outside the {video.width}x"
                                     f"{video.height} frame"]})
    with transaction.atomic():
        comment = Comment.objects.create(video=video, frame=frame, object_id=object_id,
                                         parent=parent, text=data["text"], x=x, y=y,
                                         decision=decision, author=user)
        events.emit(video.pk, comment_event("comment.created", comment, user.username))
    return comment


def comment_for(user, comment_id: int) -> tuple[Comment, str]:
    comment = Comment.objects.select_related("video__project", "author").filter(
        pk=comment_id).first()
    role = require_role(user, comment.video.project if comment else None, "view",
                        "comment not found")
    return comment, role


def update(user, role: str, comment: Comment, changes: dict) -> Comment:
    require_comment_role(role)
    if "text" in changes and comment.author_id != user.pk:
        raise PermissionDenied("only the author may edit a comment's text")
    if not changes:
        raise ValidationError({"resolved": ["nothing to change: send resolved or text"]})
    with transaction.atomic():
        for key, value in changes.items():
            setattr(comment, key, value)
        comment.save()
        events.emit(comment.video_id, comment_event("comment.updated", comment, user.username))
    return comment


def decide(user, video, object_id: int, data: dict):
    """Set a masklet's review status under the websocket's rules (webapp.realtime.actions),
    with an optional comment. Returns (object wire dict, comment or None)."""
    obj = Object.objects.filter(pk=object_id, video=video, deleted=False).first()
    if obj is None:
        raise NotFound(f"object {object_id} is not a live object of this video")
    text = (data.get("comment") or "").strip()
    frame = data.get("frame")
    if frame is None:
        frame = obj.masks.order_by("frame").values_list("frame", flat=True).first() or 0
    _check_frame(video, frame)
    actor = actions.Actor(user_id=user.pk, username=user.username)
    msg = p.ObjectUpdate(type="object.update", object_id=obj.pk, review_status=data["status"])
    with transaction.atomic():
        try:
            actions.update_object(actor, video.pk, msg)
        except actions.ActionError as err:
            if err.code == "forbidden":
                raise PermissionDenied(err.message) from None
            if err.code == "not_found":
                raise NotFound(err.message) from None
            raise ValidationError({"detail": err.message}) from None
        comment = None
        if text:
            comment = create(user, video, {"frame": frame, "object_id": obj.pk, "text": text},
                             decision=data["status"] if data["status"] in ("accepted",
                                                                           "rejected") else "")
    obj.refresh_from_db()
    return obj.wire(), comment
