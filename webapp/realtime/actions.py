"""Realtime actions: validate against the video, store with a seq, emit on commit, dispatch.

Every function here is synchronous (the consumer calls them through database_sync_to_async)
and is the only place the realtime app changes objects and prompts. Events go out through
`transaction.on_commit`, so nobody hears of a change that could still roll back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from webapp.annotations.models import Object, Prompt
from webapp.annotations.seq import next_seq
from webapp.projects.models import PALETTE, LabelClass, can, role_in
from webapp.realtime import dispatch, sql, trace
from webapp.realtime import protocol as p
from webapp.realtime.events import (done_event, emit, object_event, prompt_added_event,
                                    reply)
from webapp.review import history
from webapp.videos.models import Video, VideoStatus


ActionError = p.Refusal  # what every check here raises; the consumer answers it with `error`


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str


def room_access(user_id: int, video_id: int, is_superuser: bool) -> tuple[Video, str] | None:
    """(video, role) for a user opening the video's room; None if it is not theirs to see."""
    video = Video.objects.select_related("project").filter(pk=video_id).first()
    if video is None:
        return None
    role = role_in(video.project_id, user_id, is_superuser)
    return None if role is None else (video, role)


def check_presence(video: Video, frame: int) -> None:
    if not 0 <= frame < max(video.num_frames, 1):
        raise ActionError("out_of_range", f"frame {frame} is outside [0, {video.num_frames})")


def load_video(video_id: int, actor: Actor, object_id: int | None = None) -> sql.VideoAccess:
    """The video with the actor's current role (`.role`: re-read on every message, so a
    demotion applies at once) and whether `object_id` is a live object of it (`.live`)."""
    video = sql.video_access(video_id, actor.user_id, object_id)
    if video is None:
        raise ActionError("not_found", f"video {video_id} not found")
    if video.role is None:  # not a member: superusers act as owner
        video.role = role_in(video.project_id, actor.user_id)
    return video


def require(actor: Actor, video: sql.VideoAccess, action: str) -> str:
    """The actor's role (from load_video), checked against `action`."""
    role = video.role
    if not can(role, action):
        raise ActionError("forbidden", f"your role ({role or 'none'}) may not {action} this video")
    return role


# --- checks --------------------------------------------------------------------------------
def check_ready(video: sql.VideoAccess) -> None:
    if video.status != VideoStatus.READY or video.num_frames <= 0:
        raise ActionError("not_found", f"video {video.pk} is not ready ({video.status})")


def check_frame(video: sql.VideoAccess, frame: int) -> None:
    if not 0 <= frame < video.num_frames:
        raise ActionError("out_of_range", f"frame {frame} is outside [0, {video.num_frames})")


def check_xy(video: sql.VideoAccess, x: float, y: float, what: str) -> None:
    if not (0 <= x <= video.width and 0 <= y <= video.height):
        raise ActionError(
            "out_of_range", f"{what} ({x:g}, {y:g}) is outside the {video.width}x{video.height} video"
        )


def live_object(video: sql.VideoAccess, object_id: int, *, lock: bool = False) -> Object:
    qs = Object.objects.select_related("label")
    if lock:
        qs = qs.select_for_update(of=("self",))
    obj = qs.filter(pk=object_id, video_id=video.pk, deleted=False).first()
    if obj is None:
        raise ActionError("not_found", f"object {object_id} is not an object of video {video.pk}")
    return obj


def label_for(video: sql.VideoAccess, name: str | None) -> LabelClass | None:
    if name is None or name == "":
        return None
    label = LabelClass.objects.filter(project_id=video.project_id, name=name).first()
    if label is None:
        raise ActionError("not_found", f"label {name!r} is not a label of this project")
    return label


# --- objects -------------------------------------------------------------------------------
def create_object(actor: Actor, video_id: int, msg: p.ObjectCreate) -> int:
    video = load_video(video_id, actor)
    require(actor, video, "annotate")
    label = label_for(video, msg.label)
    with transaction.atomic():
        seq = next_seq(video.pk)
        color = msg.color or (label.color if label and label.color else None)
        if color is None:
            color = PALETTE[Object.objects.filter(video_id=video.pk).count() % len(PALETTE)]
        obj = Object.objects.create(
            video_id=video.pk, label=label, name=msg.name, color=color, created_by_id=actor.user_id,
            seq=seq,
        )
        emit(video.pk, object_event("object.created", obj, actor.username))
    return seq


def update_object(actor: Actor, video_id: int, msg: p.ObjectUpdate) -> int:
    video = load_video(video_id, actor)
    role = require(actor, video, "view")
    changes = msg.model_dump(exclude_unset=True, exclude={"type", "req", "object_id"})
    # Reviewers may set the review status; everything else needs annotate.
    if set(changes) - {"review_status"} or not can(role, "review"):
        require(actor, video, "annotate")
    if "review_status" in changes and not (can(role, "review") or changes["review_status"] in
                                           ("draft", "submitted")):
        raise ActionError("forbidden", f"your role ({role}) may not accept or reject objects")
    label = label_for(video, changes.pop("label")) if "label" in changes else False
    with transaction.atomic():
        # Lock order everywhere: the video row (next_seq) first, then object rows.
        seq = next_seq(video.pk)
        obj = live_object(video, msg.object_id, lock=True)
        if ("review_status" in changes and changes["review_status"] is not None
                and not can(role, "review") and obj.review_status in ("accepted", "rejected")
                and changes["review_status"] != obj.review_status):
            raise ActionError("forbidden", f"your role ({role}) may not reopen a reviewed object")
        if label is not False:
            obj.label = label
        previous = obj.review_status
        for key, value in changes.items():
            if value is not None:
                setattr(obj, key, value)
        obj.seq = seq
        obj.save()
        history.status_changed(obj, previous, actor.user_id)
        emit(video.pk, object_event("object.updated", obj, actor.username))
    return obj.seq


def delete_object(actor: Actor, video_id: int, msg: p.ObjectDelete) -> int:
    video = load_video(video_id, actor)
    require(actor, video, "annotate")
    with transaction.atomic():
        seq = next_seq(video.pk)
        obj = live_object(video, msg.object_id, lock=True)
        obj.deleted = True
        obj.seq = seq
        obj.save(update_fields=["deleted", "seq", "updated_at"])
        emit(video.pk, object_event("object.deleted", obj, actor.username))
        cmd = {"op": "delete", "video_id": video.pk, "object_id": obj.pk, "seq": obj.seq}
        transaction.on_commit(lambda: dispatch.submit(cmd))
    return obj.seq


# --- prompts -------------------------------------------------------------------------------
def check_backlog(worker: str | None) -> None:
    """Refuse new work while the video's inference worker already has a full queue."""
    waiting, limit = dispatch.backlog(worker), settings.WS_MAX_QUEUED_COMMANDS
    if waiting >= limit:
        raise ActionError("rate_limited", f"{waiting} commands are already waiting for this "
                          f"video's inference worker (limit {limit}); try again in a moment")


def add_prompt(actor: Actor, video_id: int, msg: p.PromptAdd | p.PromptMask,
               reply_to: str | None = None) -> int:
    """Store the prompt with its seq, then send it to the video's inference session."""
    video = load_video(video_id, actor, msg.object_id)
    require(actor, video, "annotate")
    check_ready(video)
    check_frame(video, msg.frame)
    if isinstance(msg, p.PromptAdd):
        for i, (x, y) in enumerate(msg.points or []):
            check_xy(video, x, y, f"point {i}")
        if msg.box is not None:
            x0, y0, x1, y1 = msg.box
            check_xy(video, x0, y0, "box corner (x0, y0)")
            check_xy(video, x1, y1, "box corner (x1, y1)")
            if x1 < x0 or y1 < y0:
                raise ActionError("bad_message", "box must be [x0, y0, x1, y1] with x0 <= x1, y0 <= y1")
        kind = "box" if msg.box is not None and not msg.points else "point"
        payload = {"points": msg.points, "labels": msg.labels, "box": msg.box,
                   "clear_old": msg.clear_old}
    else:
        if list(msg.rle.size) != [video.height, video.width]:
            raise ActionError("out_of_range",
                              f"rle size {msg.rle.size} is not the video's [{video.height}, {video.width}]")
        # protocol.RleIn checked that the counts decode to exactly size[0] x size[1] pixels.
        kind, payload = "mask", {"rle": msg.rle.model_dump()}
    if not video.live:
        raise ActionError("not_found", f"object {msg.object_id} is not an object of video {video.pk}")
    worker = dispatch.target(video.pk)  # `unavailable` before anything is stored
    check_backlog(worker)
    seq = sql.append_prompt(video.pk, msg.object_id, msg.frame, kind, payload, actor.user_id)
    pr = Prompt(video_id=video.pk, seq=seq, object_id=msg.object_id, frame=msg.frame, kind=kind,
                payload=payload)
    # t: when the click was taken, for the click-to-mask histogram (webapp.ops.metrics).
    cmd = {"op": "prompt", "video_id": video.pk, "seq": seq, "reply_to": reply_to,
           "t": time.time()}
    # Stored (on_commit: now, unless a caller's transaction is still open). The worker first,
    # since the click's latency runs from there; then the room.
    transaction.on_commit(lambda: (trace.stamp("srv.stored"), dispatch.submit(cmd, worker)))
    emit(video.pk, prompt_added_event(pr, actor.username))
    return seq


def start_propagation(actor: Actor, video_id: int, msg: p.PropagateStart,
                      reply_to: str | None = None) -> int:
    video = load_video(video_id, actor)
    require(actor, video, "annotate")
    check_ready(video)
    if msg.frame is not None:
        check_frame(video, msg.frame)
    live = set(Object.objects.filter(video_id=video.pk, deleted=False).values_list("id", flat=True))
    if msg.object_ids is not None:
        foreign = sorted(set(msg.object_ids) - live)
        if foreign:
            raise ActionError("not_found", f"objects {foreign} are not objects of video {video.pk}")
        targets = sorted(set(msg.object_ids))
    else:
        targets = sorted(live)
    prompted = Prompt.objects.filter(video_id=video.pk, object_id__in=targets)
    frames = list(prompted.values_list("frame", flat=True).distinct())
    if not frames:
        raise ActionError("bad_message", "nothing to propagate: prompt an object first")
    if msg.object_ids is None:
        targets = sorted(set(prompted.values_list("object_id", flat=True)))
    frame = msg.frame
    if frame is None:
        frame = max(frames) if msg.direction == "backward" else min(frames)
    worker = dispatch.target(video.pk)
    seq = Video.objects.filter(pk=video.pk).values_list("seq", flat=True).first()
    ctl = dispatch.control()
    job_id = ctl.new_job(video.pk)
    # Propagations of other objects keep running; one on any of the same objects is replaced.
    ctl.cancel(video.pk, [j for j, m in ctl.actives(video.pk).items()
                          if set(m["object_ids"]) & set(targets)], "superseded")
    running = [m for m in ctl.actives(video.pk).values()
               if m["by"] == actor.username and not set(m["object_ids"]) & set(targets)]
    if len(running) >= settings.PROPAGATIONS_MAX_PER_USER:
        raise ActionError("rate_limited", f"you already run {len(running)} propagations of this "
                          f"video (PROPAGATIONS_MAX_PER_USER={settings.PROPAGATIONS_MAX_PER_USER});"
                          " cancel one or wait for it to finish")
    n = video.num_frames
    cap = msg.max_frames or n
    legs = []
    if msg.direction in ("forward", "both"):
        legs.append([frame, "forward", min(cap, n - frame)])
    if msg.direction == "backward":
        legs.append([frame, "backward", min(cap, frame + 1)])
    elif msg.direction == "both" and frame > 0:
        legs.append([frame - 1, "backward", min(cap, frame)])
    job = {
        "op": "propagate", "video_id": video.pk, "seq": seq, "job_id": job_id, "legs": legs,
        "object_ids": targets, "done": 0, "total": sum(leg[2] for leg in legs),
        "user_id": actor.user_id, "by": actor.username, "reply_to": reply_to,
    }
    ctl.set_active(video.pk, job_id, job, worker)  # queued counts as running
    history.propagation_started(video.pk, actor.user_id, frame, msg.direction, targets)
    dispatch.submit(job, worker)
    return seq


def cancel_propagation(actor: Actor, video_id: int, msg: p.PropagateCancel,
                       reply_to: str | None = None) -> int:
    """Stop the sender's propagations of the video, or `msg.job` (anyone's); the room hears
    propagation.done from the worker. With nothing of that queued or running, only the sender
    hears it (cancelled, done 0 of 0), so a client that missed the end is never left waiting."""
    video = load_video(video_id, actor)
    require(actor, video, "annotate")
    ctl = dispatch.control()
    running = ctl.actives(video.pk)
    if msg.job is not None:
        job_ids = [msg.job] if msg.job in running else []
    else:
        job_ids = [j for j, m in running.items() if m["by"] == actor.username]
    ctl.cancel(video.pk, job_ids, "cancelled")
    if reply_to and not job_ids:
        reply(reply_to, done_event(True, "cancelled", 0, 0, actor.username, msg.job))
    return video.seq
