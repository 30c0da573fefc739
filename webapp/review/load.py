"""Read one project's rows for webapp.review.analytics.compute (one query per table)."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.review import analytics
from webapp.review.models import Comment, PropagationRun, ReviewEvent


def report(project, since=None, until=None) -> dict:
    def span(qs, field="created_at"):
        if since is not None:
            qs = qs.filter(**{f"{field}__gte": since})
        if until is not None:
            qs = qs.filter(**{f"{field}__lt": until})
        return qs

    videos = dict(project.videos.values_list("id", "name"))
    vids = list(videos)
    objects = {oid: {"video": v, "name": n, "created_by": c} for oid, v, n, c in
               Object.objects.filter(video_id__in=vids, deleted=False)
               .values_list("id", "video_id", "name", "created_by_id")}
    prompts = [{"user": u, "at": t, "video": v, "object": o, "frame": f, "kind": k}
               for u, t, v, o, f, k in span(Prompt.objects.filter(video_id__in=vids))
               .values_list("user_id", "created_at", "video_id", "object_id", "frame", "kind")]
    runs = [{"user": u, "at": t, "video": v, "frame": f, "objects": o}
            for u, t, v, f, o in span(PropagationRun.objects.filter(video_id__in=vids))
            .values_list("user_id", "created_at", "video_id", "frame", "object_ids")]
    decisions, stages = [], []
    for u, t, v, o, kind, value in span(ReviewEvent.objects.filter(video_id__in=vids)) \
            .values_list("user_id", "created_at", "video_id", "object_id", "kind", "value"):
        row = {"user": u, "at": t, "video": v}
        if kind == "status":
            decisions.append({**row, "object": o, "value": value})
        else:
            stages.append(row)
    comments = [{"user": u, "at": t, "video": v} for u, t, v in
                span(Comment.objects.filter(video_id__in=vids))
                .values_list("author_id", "created_at", "video_id")]
    mask_frames = list(FrameMask.objects.filter(object_id__in=list(objects), area__gt=0)
                       .values_list("video_id", "object_id", "frame"))
    users = {r["user"] for r in prompts + runs + decisions + stages + comments}
    users |= {o["created_by"] for o in objects.values()}
    usernames = dict(get_user_model().objects.filter(pk__in=[u for u in users if u])
                     .values_list("id", "username"))
    return analytics.compute(prompts, runs, decisions, stages, comments, mask_frames, objects,
                             videos, usernames)
