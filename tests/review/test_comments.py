"""Comments (GET|POST /api/videos/{id}/comments/, PATCH /api/comments/{id}/) and review
decisions with a comment (POST /api/videos/{id}/objects/{oid}/review/)."""
import pytest

from webapp.annotations.models import Object
from webapp.review.models import Comment, ReviewEvent
from webapp.videos.models import Video


def _post(client_for, user, video, body):
    return client_for(user).post(f"/api/videos/{video.pk}/comments/", body, format="json")


@pytest.mark.parametrize("role,code", [("owner", 201), ("admin", 201), ("annotator", 201),
                                       ("reviewer", 201), ("viewer", 403), ("outsider", 404)])
def test_who_may_comment(team, client_for, role, code):
    _, video, users = team
    assert _post(client_for, users[role], video, {"frame": 1, "text": "hm"}).status_code == code


def test_threads_points_and_events(team, client_for, sent):
    _, video, users = team
    obj = Object.objects.create(video=video)
    root = _post(client_for, users["reviewer"], video,
                 {"frame": 3, "object_id": obj.pk, "text": " wheel missing ", "x": 10, "y": 20})
    assert root.status_code == 201, root.content
    body = root.json()
    assert (body["text"], body["frame"], body["object_id"], body["x"], body["author"]) == (
        "wheel missing", 3, obj.pk, 10.0, "reviewer")
    reply = _post(client_for, users["annotator"], video, {"parent": body["id"], "text": "fixed"})
    assert reply.status_code == 201
    assert (reply.json()["frame"], reply.json()["parent"], reply.json()["object_id"]) == (
        3, body["id"], obj.pk)
    assert [e["type"] for _, e in sent] == ["comment.created", "comment.created"]
    assert sent[0][1]["comment"]["text"] == "wheel missing"
    listed = client_for(users["viewer"]).get(f"/api/videos/{video.pk}/comments/").json()
    assert [c["id"] for c in listed] == [body["id"], reply.json()["id"]]
    # Resolve: any commenting role; text: the author only; viewers: 403; outsiders 404.
    url = f"/api/comments/{body['id']}/"
    assert client_for(users["viewer"]).patch(url, {"resolved": True}, format="json") \
        .status_code == 403
    assert client_for(users["outsider"]).patch(url, {"resolved": True}, format="json") \
        .status_code == 404
    assert client_for(users["annotator"]).patch(url, {"text": "mine now"}, format="json") \
        .status_code == 403
    resp = client_for(users["annotator"]).patch(url, {"resolved": True}, format="json")
    assert resp.status_code == 200 and resp.json()["resolved"] is True
    assert sent[-1][1]["type"] == "comment.updated" and sent[-1][1]["by"] == "annotator"
    assert client_for(users["annotator"]).patch(url, {"resolved": "yes"}, format="json") \
        .status_code == 400
    assert client_for(users["annotator"]).patch(url, {}, format="json").status_code == 400


@pytest.mark.parametrize("body,field,message", [
    ({"frame": 10, "text": "x"}, "frame", "frame 10 is outside [0, 10)"),
    ({"text": "x"}, "frame", "frame is required (unless replying to a parent)"),
    ({"frame": 1, "text": "   "}, "text", "comment text must not be empty"),
    ({"frame": 1, "text": "x", "x": 5}, "x", "give both x and y, or neither"),
    ({"frame": 1, "text": "x", "x": 65, "y": 5}, "x", "point (65.0, 5.0) is outside the "
                                                      "64x48 frame"),
    ({"frame": 1, "text": "x", "object_id": 999999}, "object_id",
     "object 999999 is not a live object of this video"),
    ({"frame": 1, "text": "x", "parent": 999999}, "parent",
     "comment 999999 is not a comment on this video"),
])
def test_precise_validation(team, client_for, body, field, message):
    _, video, users = team
    resp = _post(client_for, users["owner"], video, body)
    assert resp.status_code == 400
    assert resp.json()["errors"][field] == [message]


def test_ids_of_another_video_are_refused(team, client_for):
    project, video, users = team
    other = Video.objects.create(project=project, name="o", status="ready", num_frames=5)
    foreign = Object.objects.create(video=other)
    parent = Comment.objects.create(video=other, frame=0, text="t")
    resp = _post(client_for, users["owner"], video, {"frame": 0, "text": "x",
                                                     "object_id": foreign.pk})
    assert resp.status_code == 400
    resp = _post(client_for, users["owner"], video, {"frame": 0, "text": "x",
                                                     "parent": parent.pk})
    assert resp.status_code == 400


def _decide(client_for, user, video, obj, body):
    return client_for(user).post(f"/api/videos/{video.pk}/objects/{obj.pk}/review/", body,
                                 format="json")


def test_reject_with_a_comment_then_accept(team, client_for, sent):
    _, video, users = team
    obj = Object.objects.create(video=video, created_by=users["annotator"],
                                review_status="submitted")
    resp = _decide(client_for, users["reviewer"], video, obj,
                   {"status": "rejected", "comment": "the mask leaks", "frame": 4})
    assert resp.status_code == 200, resp.content
    assert resp.json()["object"]["review_status"] == "rejected"
    assert resp.json()["comment"]["decision"] == "rejected"
    assert resp.json()["comment"]["frame"] == 4
    assert {e["type"] for _, e in sent} >= {"comment.created"}
    # The annotator sees it on the masklet, and cannot accept their own work.
    mine = client_for(users["annotator"]).get(f"/api/videos/{video.pk}/comments/").json()
    assert mine[0]["object_id"] == obj.pk and mine[0]["text"] == "the mask leaks"
    assert _decide(client_for, users["annotator"], video, obj,
                   {"status": "accepted"}).status_code == 403
    assert _decide(client_for, users["viewer"], video, obj,
                   {"status": "accepted"}).status_code == 403
    assert _decide(client_for, users["outsider"], video, obj,
                   {"status": "accepted"}).status_code == 404
    assert _decide(client_for, users["reviewer"], video, obj,
                   {"status": "approved"}).status_code == 400
    resp = _decide(client_for, users["reviewer"], video, obj, {"status": "accepted"})
    assert resp.status_code == 200 and resp.json()["comment"] is None
    history = list(ReviewEvent.objects.filter(object=obj).values_list("previous", "value"))
    assert history == [("submitted", "rejected"), ("rejected", "accepted")]


def test_a_decision_on_another_videos_object_is_404(team, client_for):
    project, video, users = team
    other = Video.objects.create(project=project, name="o", status="ready", num_frames=5)
    foreign = Object.objects.create(video=other)
    assert _decide(client_for, users["reviewer"], video, foreign,
                   {"status": "accepted"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.review_status == "draft"
