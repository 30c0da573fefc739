"""Records of the review history and propagation runs, written where the change happens
(webapp.realtime.actions, webapp.review.assign) and read by webapp.review.analytics."""
from webapp.review.models import PropagationRun, ReviewEvent


def status_changed(obj, previous: str, user_id: int | None) -> None:
    """A masklet's review status changed (call inside the change's transaction)."""
    if obj.review_status != previous:
        ReviewEvent.objects.create(video_id=obj.video_id, object_id=obj.pk, kind="status",
                                   value=obj.review_status, previous=previous, user_id=user_id)


def stage_changed(video, previous: str, user_id: int | None, reason: str = "") -> None:
    if video.stage != previous:
        ReviewEvent.objects.create(video_id=video.pk, kind="stage", value=video.stage,
                                   previous=previous, reason=reason, user_id=user_id)


def propagation_started(video_id: int, user_id: int | None, frame: int, direction: str,
                        object_ids: list[int]) -> None:
    PropagationRun.objects.create(video_id=video_id, user_id=user_id, frame=frame,
                                  direction=direction, object_ids=list(object_ids))
