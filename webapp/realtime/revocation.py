"""Open sockets follow membership changes: when a member is removed (or their role changes),
every socket of theirs re-checks its role at once, and one that lost access closes (4403).
The project's page hears `members.changed` (its team card and assignment pickers)."""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from webapp.projects.models import Membership
from webapp.realtime import events
from webapp.realtime.broadcast import broadcaster

ACCESS_CHANGED = "access.changed"  # layer message type; the consumer's `access_changed`


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _changed(sender, instance: Membership, **_kwargs) -> None:
    message = {"type": ACCESS_CHANGED, "project_id": instance.project_id}
    uid = instance.user_id
    transaction.on_commit(lambda: broadcaster().to_group(user_group(uid), message))
    events.members_changed(instance.project_id)


def connect() -> None:
    post_save.connect(_changed, sender=Membership, dispatch_uid="maskflow-access-save")
    post_delete.connect(_changed, sender=Membership, dispatch_uid="maskflow-access-delete")
