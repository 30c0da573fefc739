"""Every room event, built here and sent through one emitter.

`emit` sends after the current transaction commits (nobody hears of a change that could still
roll back); outside a transaction, as in the runner, that is now. `reply` answers one client.
"""
from __future__ import annotations

from django.db import transaction

from webapp.annotations.models import Object, Prompt
from webapp.realtime import protocol as p
from webapp.realtime.broadcast import broadcaster


# --- builders --------------------------------------------------------------------------------
def object_out(obj: Object) -> dict:
    return obj.wire()


def object_event(kind: str, obj: Object, by: str | None) -> dict:
    return p.dump(p.ObjectEvent(type=kind, object=object_out(obj), seq=obj.seq, by=by))


def prompt_out(pr: Prompt) -> dict:
    body = {"object_id": pr.object_id, "frame": pr.frame, "kind": pr.kind}
    if pr.kind == "mask":
        return body
    for key in ("points", "labels", "box"):
        if pr.payload.get(key) is not None:
            body[key] = pr.payload[key]
    body["clear_old"] = bool(pr.payload.get("clear_old"))
    return body


def prompt_added_event(pr: Prompt, by: str | None) -> dict:
    return p.dump(p.PromptAdded(seq=pr.seq, prompt=prompt_out(pr), by=by))


def masks_event(seq: int, frame: int, source: str, by: str | None, masks: list[dict]) -> dict:
    return p.dump(p.Masks(seq=seq, frame=frame, source=source, by=by, masks=masks))


def progress_event(job: dict, frame: int) -> dict:
    return p.dump(p.PropagationProgress(done=job["done"], total=job["total"], frame=frame,
                                        by=job["by"], job=job["job_id"]))


def done_event(cancelled: bool, reason: str | None, done: int, total: int, by: str | None,
               job: int | None) -> dict:
    return p.dump(p.PropagationDone(cancelled=cancelled, reason=reason, done=done, total=total,
                                    by=by, job=job))


def error_event(code: str, message: str) -> dict:
    return p.dump(p.Error(code=code, message=message))


def video_listed_event(kind: str, video, by: str | None = None, error: str | None = None) -> dict:
    """`video.created|ready|failed|deleted` for the project socket (review/wire.VideoListed)."""
    return p.dump(p.wire.VideoListed(type=kind, video_id=video.pk, name=video.name, by=by,
                                     error=error or None))


# --- sending ---------------------------------------------------------------------------------
def emit(video_id: int, event: dict) -> None:
    """Broadcast to the room once the current transaction commits."""
    transaction.on_commit(lambda: broadcaster().group(video_id, event))


def emit_project(project_id: int, event: dict) -> None:
    """Broadcast to the project's page (its project socket) once the transaction commits."""
    transaction.on_commit(lambda: broadcaster().project(project_id, event))


def video_listed(video, kind: str, by: str | None = None, error: str | None = None) -> None:
    """Tell the project page that `video` was created, became ready or failed, or was deleted.
    The event is built now and sent on commit: announce a delete before it, while the video
    still has its pk."""
    emit_project(video.project_id, video_listed_event(kind, video, by, error))


def members_changed(project_id: int) -> None:
    """Tell the project page that its team changed (a member added, removed or re-roled)."""
    emit_project(project_id, p.dump(p.wire.MembersChanged()))


def emit_many(video_id: int, events: list[dict]) -> None:
    """Several events as one layer message (a batch of propagated frames), after commit."""
    transaction.on_commit(lambda: broadcaster().group_many(video_id, events))


def reply(channel: str, event: dict) -> None:
    """Send to one client (its channel name), after commit."""
    transaction.on_commit(lambda: broadcaster().send(channel, event))


def worker_lost(video_id: int, records: list[dict]) -> None:
    """Tell the room that the propagation jobs in `records` (jobs.RedisControl.reap) died with
    their worker; what they stored is kept."""
    for m in records:
        emit(video_id, done_event(True, "worker_lost", m.get("done", 0), m.get("total", 0),
                                  m.get("by"), m.get("job_id")))
