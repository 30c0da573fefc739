"""Video assignments and stages (`PATCH /api/videos/{id}/`).

Who may do what:
- `name`, `assignee`, `reviewer`, `second_assignee`: owners and admins (manage). The second
  assignee labels the video a second time, on their own, for consensus
  (webapp.review.consensus); it must be someone other than the assignee.
- `stage`: owners and admins set any stage; the assignee moves annotate -> review; the
  reviewer moves review -> done, or review -> annotate with a `reason`.
An assignee must hold a role that may annotate (annotator, admin, owner), a reviewer one that
may review (reviewer, admin, owner), both as members of the video's project.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

from webapp.accounts.fields import StrictCharField
from webapp.projects.models import Membership, can
from webapp.realtime import events
from webapp.review import history, wire
from webapp.videos.models import Stage, Video

NEEDS = {"assignee": ("annotate", "an assignee", "annotator, admin or owner"),
         "reviewer": ("review", "a reviewer", "reviewer, admin or owner"),
         "second_assignee": ("annotate", "a second annotator", "annotator, admin or owner")}
PEOPLE = tuple(NEEDS)  # the video's person fields, as PATCH names them


class VideoPatchSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255, required=False)
    assignee = StrictCharField(max_length=150, required=False, allow_null=True,
                               help_text="a member's username; null unassigns")
    reviewer = StrictCharField(max_length=150, required=False, allow_null=True,
                               help_text="a member's username; null unassigns")
    second_assignee = StrictCharField(max_length=150, required=False, allow_null=True,
                                      help_text="a second annotator (consensus); null unassigns")
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True,
                             help_text="why a reviewer sends the video back to annotate")

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError("video name must not be empty")
        return value.strip()


def _member(video: Video, field: str, username: str | None):
    if username is None:
        return None
    action, what, roles = NEEDS[field]
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    m = (Membership.objects.filter(project_id=video.project_id, user=user).first()
         if user is not None else None)
    if m is None:
        raise ValidationError({field: [f"{username!r} is not a member of this project"]})
    if not can(m.role, action):
        raise ValidationError({field: [f"{username!r} is {m.role} here; {what} needs a role "
                                       f"that may {action} ({roles})"]})
    return user


def _check_stage(user, role: str, video: Video, new: str, reason: str) -> None:
    old = video.stage
    if new == old:
        return
    if old == Stage.REVIEW and new == Stage.ANNOTATE and not reason.strip():
        raise ValidationError({"reason": ["a reason is required to send a video back to "
                                          "annotate"]})
    if can(role, "manage"):
        return
    if old == Stage.ANNOTATE and new == Stage.REVIEW:
        if video.assignee_id == user.pk and can(role, "annotate"):
            return
        raise PermissionDenied("only the video's assignee (or an owner or admin) may submit it "
                               "for review")
    if old == Stage.REVIEW and new in (Stage.DONE, Stage.ANNOTATE):
        if video.reviewer_id == user.pk and can(role, "review"):
            return
        raise PermissionDenied("only the video's reviewer (or an owner or admin) may finish a "
                               "review or send it back")
    raise PermissionDenied(f"your role ({role}) may not move a video from {old} to {new}")


def video_event(video: Video, by: str | None, reason: str | None = None) -> dict:
    return wire.VideoUpdated(
        video_id=video.pk, stage=video.stage, reason=reason or None, by=by,
        assignee=video.assignee.username if video.assignee_id else None,
        reviewer=video.reviewer.username if video.reviewer_id else None,
        second_assignee=(video.second_assignee.username if video.second_assignee_id
                         else None),
        name=video.name,
    ).model_dump(mode="json")


def patch_video(user, role: str, video: Video, data) -> Video:
    if not any(can(role, a) for a in ("manage", "annotate", "review")):
        raise PermissionDenied(f"your role ({role}) may not change videos")
    keys = set(data) if hasattr(data, "keys") else set()
    if ({"name"} | set(PEOPLE)) & keys and not can(role, "manage"):
        raise PermissionDenied(f"your role ({role}) may not rename or assign videos; owners "
                               "and admins do")
    ser = VideoPatchSerializer(data=data)
    ser.is_valid(raise_exception=True)
    unknown = sorted(keys - set(ser.fields))
    if unknown:
        raise ValidationError({k: ["this field cannot be changed"] for k in unknown})
    changes = dict(ser.validated_data)
    reason = changes.pop("reason", "")
    people = {f: _member(video, f, changes.pop(f)) for f in PEOPLE if f in changes}
    with transaction.atomic():
        video = Video.objects.select_for_update(of=("self",)) \
            .select_related(*PEOPLE).get(pk=video.pk)
        previous, old_name = video.stage, video.name
        if "stage" in changes:
            _check_stage(user, role, video, changes["stage"], reason)
            video.stage = changes["stage"]
        if "name" in changes:
            video.name = changes["name"]
        for field, person in people.items():
            setattr(video, field, person)
        if (video.second_assignee_id is not None
                and video.second_assignee_id == video.assignee_id):
            raise ValidationError({"second_assignee": [
                "the second annotator must be someone other than the assignee: consensus "
                "compares two people's work"]})
        video.save()
        history.stage_changed(video, previous, user.pk, reason)
        if people or video.stage != previous or video.name != old_name:
            sent_back = previous == Stage.REVIEW and video.stage == Stage.ANNOTATE
            event = video_event(video, user.username, reason if sent_back else None)
            events.emit(video.pk, event)  # the editor's room
            events.emit_project(video.project_id, event)  # the project page
    return video
