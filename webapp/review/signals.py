"""Assignments follow membership: a member who leaves the project, or whose new role may no
longer annotate (review), stops being the assignee (reviewer) of its videos; the rooms hear
`video.updated`, and so does the project's page."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from webapp.projects.models import Membership, can
from webapp.realtime import events
from webapp.review.assign import video_event
from webapp.videos.models import Video


def _unassign(project_id: int, user_id: int, role: str | None) -> None:
    for field, action in (("assignee", "annotate"), ("reviewer", "review"),
                          ("second_assignee", "annotate")):
        if role is not None and can(role, action):
            continue
        with transaction.atomic():
            videos = list(Video.objects.select_for_update()
                          .filter(project_id=project_id, **{f"{field}_id": user_id}))
            for video in videos:
                setattr(video, field, None)
                video.save(update_fields=[field])
                video = Video.objects.select_related("assignee", "reviewer", "second_assignee") \
                    .get(pk=video.pk)
                event = video_event(video, None)
                events.emit(video.pk, event)
                events.emit_project(project_id, event)


def _saved(sender, instance: Membership, **_kwargs) -> None:
    _unassign(instance.project_id, instance.user_id, instance.role)


def _deleted(sender, instance: Membership, **_kwargs) -> None:
    _unassign(instance.project_id, instance.user_id, None)


def connect() -> None:
    post_save.connect(_saved, sender=Membership, dispatch_uid="maskflow-review-unassign-save")
    post_delete.connect(_deleted, sender=Membership, dispatch_uid="maskflow-review-unassign-del")
