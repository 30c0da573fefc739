"""Annotation analytics in the SAM 2 data engine's terms, from the prompt log, propagation
runs, the review history and comments (presence is not stored, so it does not count).

Idle rule: each user's events (prompts, propagation starts, review decisions, stage changes,
comments), across the project, in time order; the time since that user's previous event
counts as active when it is at most IDLE_GAP_S (60 s) and is credited to the later event
(its masklet, frame, video and day); a longer gap is idle and counts nothing, so the first
event after a break adds 0 s. Prompt and propagation time is annotation time; review and
comment time is review time.

- clicks: point and box prompts (one per message); mask_edits: mask prompts (hand tools).
- frames_corrected_after_propagation: distinct (masklet, frame) prompted after a propagation
  of that masklet had started from another frame.
- seconds_per_frame: annotation seconds / frames with a mask. A propagation's seconds are
  shared evenly by the masklets it propagated.
- review_rounds: accept or reject decisions; rejection_rate: rejections / decisions. An
  annotator's decisions are those on masklets they created.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime

IDLE_GAP_S = 60.0
METRICS = ("annotation_seconds", "review_seconds", "clicks", "mask_edits", "propagation_runs",
           "frames_with_masks", "seconds_per_frame", "frames_corrected_after_propagation",
           "review_rounds", "rejections", "rejection_rate")


def _blank() -> dict:
    return {m: 0 for m in METRICS}


def _finish(row: dict) -> dict:
    row["annotation_seconds"] = round(row["annotation_seconds"], 1)
    row["review_seconds"] = round(row["review_seconds"], 1)
    frames = row["frames_with_masks"]
    row["seconds_per_frame"] = round(row["annotation_seconds"] / frames, 2) if frames else None
    rounds = row["review_rounds"]
    row["rejection_rate"] = round(row["rejections"] / rounds, 3) if rounds else None
    return row


def _active_gaps(events: list[dict]) -> None:
    """Set each event's `active` seconds under the idle rule (events of all users)."""
    last: dict[int | None, datetime] = {}
    for ev in sorted(events, key=lambda e: (e["at"], e["order"])):
        prev = last.get(ev["user"])
        gap = (ev["at"] - prev).total_seconds() if prev is not None else None
        ev["active"] = gap if gap is not None and 0 <= gap <= IDLE_GAP_S else 0.0
        last[ev["user"]] = ev["at"]


def compute(prompts, runs, decisions, stage_events, comments, mask_frames, objects, videos,
            usernames) -> dict:
    """prompts: [{user, at, video, object, frame, kind}]; runs: [{user, at, video, frame,
    objects}]; decisions: [{user, at, video, object, value}]; stage_events and comments:
    [{user, at, video}]; mask_frames: [(video, object, frame)] with a non-empty mask;
    objects: {id: {video, name, created_by}}; videos: {id: name}; usernames: {id: name}."""
    events = []
    for kind, rows in (("prompt", prompts), ("run", runs), ("decision", decisions),
                       ("stage", stage_events), ("comment", comments)):
        for r in rows:
            events.append({**r, "type": kind, "order": len(events)})
    _active_gaps(events)

    total, people, vids, masklets, days = _blank(), defaultdict(_blank), defaultdict(_blank), \
        defaultdict(_blank), defaultdict(_blank)

    def add(key: str, value, *rows):
        for row in rows:
            row[key] += value

    runs_by_object = defaultdict(list)
    for r in runs:
        for oid in r["objects"]:
            runs_by_object[oid].append((r["at"], r["frame"]))
    corrected = set()
    for ev in events:
        day = days[ev["at"].date().isoformat()]
        who, video = people[ev["user"]], vids[ev["video"]]
        if ev["type"] in ("prompt", "run"):
            rows = [total, who, video, day]
            if ev["type"] == "prompt":
                rows.append(masklets[ev["object"]])
                add("clicks" if ev["kind"] in ("point", "box") else "mask_edits", 1, *rows)
                if any(at < ev["at"] and frame != ev["frame"]
                       for at, frame in runs_by_object[ev["object"]]):
                    key = (ev["object"], ev["frame"])
                    if key not in corrected:
                        corrected.add(key)
                        add("frames_corrected_after_propagation", 1, *rows)
            else:
                add("propagation_runs", 1, *rows)
                # A run's time is shared evenly by the masklets it propagated.
                for oid in ev["objects"]:
                    masklets[oid]["propagation_runs"] += 1
                    masklets[oid]["annotation_seconds"] += ev["active"] / len(ev["objects"])
            add("annotation_seconds", ev["active"], *rows)
        else:
            add("review_seconds", ev["active"], total, who, video, day)
        if ev["type"] == "decision" and ev["value"] in ("accepted", "rejected"):
            creator = objects.get(ev["object"], {}).get("created_by")
            rows = [total, video, day, masklets[ev["object"]], people[creator]]
            add("review_rounds", 1, *rows)
            add("rejections", ev["value"] == "rejected", *rows)

    seen_frames = set()
    for video_id, object_id, frame in mask_frames:
        masklets[object_id]["frames_with_masks"] += 1
        if (video_id, frame) not in seen_frames:
            seen_frames.add((video_id, frame))
            vids[video_id]["frames_with_masks"] += 1
            total["frames_with_masks"] += 1
    # An annotator's frames: the frames with masks of the masklets they created.
    for object_id, info in objects.items():
        if info.get("created_by") is not None:
            people[info["created_by"]]["frames_with_masks"] += masklets[object_id][
                "frames_with_masks"]

    return {
        "idle_rule": f"gaps over {IDLE_GAP_S:g} s between one user's events are idle",
        "project": _finish(total),
        "annotators": [_finish({"user_id": uid, "username": usernames.get(uid), **row})
                       for uid, row in sorted(people.items(), key=lambda kv: str(
                           usernames.get(kv[0]))) if uid is not None],
        "videos": [_finish({"video_id": vid, "name": videos.get(vid), **row})
                   for vid, row in sorted(vids.items())],
        "masklets": [_finish({"object_id": oid, "video_id": objects.get(oid, {}).get("video"),
                              "name": objects.get(oid, {}).get("name"), **row})
                     for oid, row in sorted(masklets.items()) if oid in objects],
        "days": [_finish({"date": d, **row}) for d, row in sorted(days.items())],
    }


def to_csv(report: dict) -> str:
    """One table: scope (project, annotator, video, masklet, day), id, name, the metrics."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["scope", "id", "name", *METRICS])
    scopes = [("project", [dict(report["project"], id="", name="")]),
              ("annotator", [dict(r, id=r["user_id"], name=r["username"])
                             for r in report["annotators"]]),
              ("video", [dict(r, id=r["video_id"]) for r in report["videos"]]),
              ("masklet", [dict(r, id=r["object_id"]) for r in report["masklets"]]),
              ("day", [dict(r, id=r["date"], name="") for r in report["days"]])]
    for scope, rows in scopes:
        for r in rows:
            w.writerow([scope, r["id"], r["name"] or "",
                        *["" if r[m] is None else r[m] for m in METRICS]])
    return out.getvalue()
