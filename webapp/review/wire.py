"""The team workflow's room events, as pydantic models (no Django): webapp/realtime/protocol.py
includes them in its server messages, so the JSON Schema and docs/protocol.md list them."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

FlagReason = Literal["low_iou", "low_object_score", "area_jump", "centroid_jump", "vanished",
                     "reappeared", "fwd_bwd_disagree"]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VideoUpdated(_Msg):
    """The video's assignment, stage or name changed (`PATCH /api/videos/{id}/`); `reason`
    when a reviewer sent it back to annotate. Sent to the video's room and to its project's
    socket."""

    type: Literal["video.updated"] = "video.updated"
    video_id: int
    assignee: str | None
    reviewer: str | None
    stage: Literal["annotate", "review", "done"]
    reason: str | None = None
    by: str | None = None
    second_assignee: str | None = None  # the consensus annotator (a later addition)
    name: str | None = None  # the video's name (a later addition)


class VideoListed(_Msg):
    """Project socket (`/ws/projects/{id}/`) only: a video was added to the project
    (`video.created`, still processing), finished decoding (`video.ready`, `video.failed`:
    `error` says why) or was deleted (`video.deleted`). The project page re-reads its video
    list, or drops the deleted one."""

    type: Literal["video.created", "video.ready", "video.failed", "video.deleted"]
    video_id: int
    name: str
    by: str | None = None
    error: str | None = None


class MembersChanged(_Msg):
    """Project socket only: a member was added or removed, or their role changed; the project
    page re-reads its team (`GET /api/projects/{id}/members/`), which its assignment pickers
    offer."""

    type: Literal["members.changed"] = "members.changed"


class CommentOut(_Msg):
    id: int
    frame: int
    object_id: int | None
    parent: int | None
    text: str
    x: float | None
    y: float | None
    resolved: bool
    decision: Literal["", "accepted", "rejected"]
    author: str | None
    created_at: str


class CommentEvent(_Msg):
    """A comment was posted or changed (resolved); `decision` is set on the comment that came
    with an accept or reject of `object_id`."""

    type: Literal["comment.created", "comment.updated"]
    comment: CommentOut
    by: str | None = None


class FlagOut(_Msg):
    frame: int
    score: float
    reasons: list[FlagReason]


class Flags(_Msg):
    """The quality flags of `object_id` on frames `start`..`end` (inclusive) are now `frames`
    (flagged frames only: the others in that range have none). Sent after masks change."""

    type: Literal["flags"] = "flags"
    object_id: int
    start: int
    end: int
    frames: list[FlagOut]


class AccessChanged(_Msg):
    """To one socket: its user's role in this project changed (`role`, the new one); the
    client refreshes which tools it shows. A removal closes the socket with 4403 instead."""

    type: Literal["access.changed"] = "access.changed"
    role: str


EVENTS = (VideoUpdated, VideoListed, MembersChanged, CommentEvent, Flags, AccessChanged)
