"""Review status: annotators may only move their own work between draft and submitted; once a
reviewer has accepted or rejected a masklet, only review roles change that status. REST has no
write path for objects (edits go over the websocket), so the rule lives in realtime.actions."""
import pytest

from webapp.annotations.models import Object
from webapp.realtime import actions
from webapp.realtime import protocol as p
from webapp.videos.models import Video


@pytest.fixture
def accepted(project_with_roles):
    project, users = project_with_roles
    video = Video.objects.create(project=project, name="v", status="ready", num_frames=4,
                                 width=32, height=32)
    obj = Object.objects.create(video=video, name="car", review_status="accepted")
    return video, obj, users


def _update(user, video, obj, status):
    actor = actions.Actor(user_id=user.pk, username=user.username)
    msg = p.ObjectUpdate(type="object.update", object_id=obj.pk, review_status=status)
    return actions.update_object(actor, video.pk, msg)


def test_objects_have_no_rest_write_path(accepted, client_for):
    video, obj, users = accepted
    c = client_for(users["annotator"])
    resp = c.patch(f"/api/videos/{video.pk}/objects/", {"review_status": "draft"}, format="json")
    assert resp.status_code == 405
    obj.refresh_from_db()
    assert obj.review_status == "accepted"


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_an_annotator_cannot_reopen_an_accepted_masklet(accepted, status):
    video, obj, users = accepted
    with pytest.raises(actions.ActionError) as err:
        _update(users["annotator"], video, obj, status)
    assert err.value.code == "forbidden"
    obj.refresh_from_db()
    assert obj.review_status == "accepted"


def test_a_reviewer_can_reopen_an_accepted_masklet(accepted):
    video, obj, users = accepted
    _update(users["reviewer"], video, obj, "draft")
    obj.refresh_from_db()
    assert obj.review_status == "draft"
