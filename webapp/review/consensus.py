"""Consensus: two annotators label the same video; compare their masklets by J&F and keep the
better one of each pair.

The two annotation sets are what each user drew in the video (the evaluation code's
`{"user": name}` selector: live objects they created, imports excluded). Pairs come from the
evaluation code's Hungarian assignment on (J+F)/2; J and F are symmetric, so it does not
matter which set is the reference. A pair whose masks never overlap on any frame where
either has a mask is not the same object: both sides are listed as unmatched instead.

Picking (`pick`) accepts the kept masklet and soft-deletes the other in one transaction, each
change with its own seq, so open editors hear `object.updated` and `object.deleted` as for
any other change, and `sync` replays them; a comment on the kept masklet records the pick.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.exceptions import PermissionDenied, ValidationError

from webapp.annotations.models import FrameMask, Object, ReviewStatus
from webapp.annotations.seq import next_seq
from webapp.exports.evaluation import ALL_FRAMES, EvaluationError, evaluate, select
from webapp.projects.models import can
from webapp.realtime import dispatch, events
from webapp.review import comments, history


def _set(video, username: str, side: str) -> list[Object]:
    if not get_user_model().objects.filter(username=username).exists():
        raise ValidationError({side: [f"no user named {username!r}"]})
    objs = select(video, {"user": username})
    if not objs:
        raise ValidationError({side: [f"{username!r} drew no masklets in this video"]})
    return objs


def people(video, a: str | None, b: str | None) -> tuple[str, str]:
    """The two annotators: as asked, else the video's assignee and second assignee."""
    a = a or (video.assignee.username if video.assignee_id else None)
    b = b or (video.second_assignee.username if video.second_assignee_id else None)
    if not a or not b:
        raise ValidationError({"b" if a else "a": [
            "name two annotators (a and b), or assign the video a second annotator"]})
    if a == b:
        raise ValidationError({"b": ["a and b must be two different annotators"]})
    return a, b


def compare(video, a: str, b: str, protocol: str = ALL_FRAMES, stride: int = 1) -> dict:
    set_a, set_b = _set(video, a, "a"), _set(video, b, "b")
    try:
        result = evaluate(video, set_a, set_b, protocol=protocol, stride=stride,
                          frame_values=True)
    except EvaluationError as err:
        raise ValidationError({"detail": str(err)}) from None
    frames = [f["frame"] for f in result["frames"]]
    marked: dict[int, set[int]] = {}
    for oid, frame in FrameMask.objects.filter(
            object_id__in=[o.pk for o in set_a + set_b], area__gt=0,
            frame__in=frames).values_list("object_id", "frame"):
        marked.setdefault(oid, set()).add(frame)
    pairs, lone_a = [], []
    for o in result["objects"]:
        a_id, b_id = o["reference_id"], o["candidate_id"]
        shown = marked.get(a_id, set()) | marked.get(b_id, set())
        if b_id is None or not any(j > 0 for f, j in zip(frames, o["frames_j"]) if f in shown):
            lone_a.append(a_id)
            continue
        pairs.append({
            "a_id": a_id, "b_id": b_id,
            "J": o["J"]["mean"], "F": o["F"]["mean"], "JF": o["JF"],
            "frames": [{"frame": f, "J": j, "F": fv, "JF": jf} for f, j, fv, jf in
                       zip(frames, o["frames_j"], o["frames_f"], o["frames_jf"])],
        })
    paired_b = {p["b_id"] for p in pairs}
    pairs.sort(key=lambda p: (p["JF"], p["a_id"]))  # worst first: where to look
    return {
        "a": a, "b": b, "protocol": result["protocol"], "frames": len(frames),
        "bound_pixels": result["overall"]["bound_pixels"],
        "pairs": pairs,
        "unmatched_a": sorted(lone_a),
        "unmatched_b": sorted({o.pk for o in set_b} - paired_b),
    }


def _name(obj: Object) -> str:
    return obj.name or f"object {obj.pk}"


def require_picker(role: str) -> None:
    if not can(role, "review"):
        raise PermissionDenied(f"your role ({role}) may not pick between masklets; reviewers, "
                               "admins and owners do")


def pick(user, role: str, video, keep_id: int, drop_id: int, note: str = "") -> dict:
    """Accept `keep_id`, soft-delete `drop_id` (both live objects of `video`)."""
    require_picker(role)
    if keep_id == drop_id:
        raise ValidationError({"drop": ["keep and drop must be two different masklets"]})
    with transaction.atomic():
        # Lock order everywhere: the video row (next_seq) first, then object rows.
        keep_seq = next_seq(video.pk)
        rows = {o.pk: o for o in Object.objects.select_for_update(of=("self",))
                .select_related("label", "created_by")
                .filter(pk__in=[keep_id, drop_id], video=video, deleted=False).order_by("pk")}
        for field, oid in (("keep", keep_id), ("drop", drop_id)):
            if oid not in rows:
                raise ValidationError({field: [f"object {oid} is not a live object of this "
                                               "video"]})
        keep, drop = rows[keep_id], rows[drop_id]
        previous = keep.review_status
        keep.review_status = ReviewStatus.ACCEPTED
        keep.seq = keep_seq
        keep.save(update_fields=["review_status", "seq", "updated_at"])
        history.status_changed(keep, previous, user.pk)
        events.emit(video.pk, events.object_event("object.updated", keep, user.username))
        drop.deleted = True
        drop.seq = next_seq(video.pk)
        drop.save(update_fields=["deleted", "seq", "updated_at"])
        events.emit(video.pk, events.object_event("object.deleted", drop, user.username))
        cmd = {"op": "delete", "video_id": video.pk, "object_id": drop.pk, "seq": drop.seq}
        transaction.on_commit(lambda: dispatch.submit(cmd))
        by = drop.created_by.username if drop.created_by_id else "someone"
        text = f"Consensus: kept over {_name(drop)} (by {by})"
        frame = keep.masks.order_by("frame").values_list("frame", flat=True).first() or 0
        comment = comments.create(user, video, {
            "frame": frame, "object_id": keep.pk,
            "text": f"{text}: {note.strip()}" if note.strip() else f"{text}."},
            decision="accepted")
    return {"kept": keep.wire(), "dropped": drop.wire(), "comment": comment}
