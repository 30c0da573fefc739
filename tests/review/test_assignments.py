"""PATCH /api/videos/{id}/ {assignee, reviewer, stage}, GET /api/me/work/ and video.updated."""
import pytest

from webapp.annotations.models import FrameMask, Object
from webapp.projects.models import Project
from webapp.review.models import ReviewEvent
from webapp.videos.models import Video


def _patch(client_for, user, video, body):
    return client_for(user).patch(f"/api/videos/{video.pk}/", body, format="json")


def test_owner_assigns_and_the_room_hears_it(team, client_for, sent):
    _, video, users = team
    resp = _patch(client_for, users["owner"], video, {"assignee": "annotator",
                                                      "reviewer": "reviewer"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["assignee"] == "annotator" and resp.json()["reviewer"] == "reviewer"
    assert resp.json()["stage"] == "annotate"
    assert sent == [(video.pk, {"type": "video.updated", "video_id": video.pk,
                                "assignee": "annotator", "reviewer": "reviewer",
                                "stage": "annotate", "reason": None, "by": "owner",
                                "second_assignee": None, "name": "v.mp4"})]
    listed = client_for(users["viewer"]).get(f"/api/projects/{video.project_id}/videos/").json()
    assert listed["results"][0]["assignee"] == "annotator"


@pytest.mark.parametrize("field,name,message", [
    ("assignee", "viewer", "'viewer' is viewer here; an assignee needs a role that may "
                           "annotate (annotator, admin or owner)"),
    ("assignee", "reviewer", "'reviewer' is reviewer here; an assignee needs a role that "
                             "may annotate (annotator, admin or owner)"),
    ("reviewer", "annotator", "'annotator' is annotator here; a reviewer needs a role that "
                              "may review (reviewer, admin or owner)"),
    ("reviewer", "outsider", "'outsider' is not a member of this project"),
    ("assignee", "ghost", "'ghost' is not a member of this project"),
])
def test_assignees_need_a_suitable_role(team, client_for, field, name, message):
    _, video, users = team
    resp = _patch(client_for, users["admin"], video, {field: name})
    assert resp.status_code == 400
    assert resp.json()["errors"] == {field: [message]}


@pytest.mark.parametrize("body", [{"stage": "finished"}, {"assignee": 5}, {"status": "done"}])
def test_bad_bodies_are_400(team, client_for, body):
    _, video, users = team
    assert _patch(client_for, users["owner"], video, body).status_code == 400


@pytest.mark.parametrize("role,body,code", [
    ("annotator", {"assignee": "annotator"}, 403),
    ("reviewer", {"reviewer": "reviewer"}, 403),
    ("viewer", {"stage": "review"}, 403),
    ("viewer", {}, 403),
    ("outsider", {"stage": "review"}, 404),
])
def test_wrong_roles(team, client_for, role, body, code):
    _, video, users = team
    assert _patch(client_for, users[role], video, body).status_code == code


def test_the_stage_moves_by_its_people(team, client_for, make_user, sent):
    project, video, users = team
    Video.objects.filter(pk=video.pk).update(assignee=users["annotator"],
                                             reviewer=users["reviewer"])
    other = make_user("other")
    project.memberships.create(user=other, role="annotator")
    # Only the assignee (or a manager) submits; only the reviewer finishes or sends back.
    assert _patch(client_for, other, video, {"stage": "review"}).status_code == 403
    assert _patch(client_for, users["reviewer"], video, {"stage": "review"}).status_code == 403
    assert _patch(client_for, users["annotator"], video, {"stage": "review"}).status_code == 200
    assert _patch(client_for, users["annotator"], video, {"stage": "done"}).status_code == 403
    resp = _patch(client_for, users["reviewer"], video, {"stage": "annotate"})
    assert resp.status_code == 400
    assert resp.json()["errors"] == {
        "reason": ["a reason is required to send a video back to annotate"]}
    resp = _patch(client_for, users["reviewer"], video, {"stage": "annotate",
                                                         "reason": "the car's wheels"})
    assert resp.status_code == 200
    assert sent[-1][1]["reason"] == "the car's wheels" and sent[-1][1]["stage"] == "annotate"
    _patch(client_for, users["annotator"], video, {"stage": "review"})
    assert _patch(client_for, users["reviewer"], video, {"stage": "done"}).status_code == 200
    assert _patch(client_for, users["reviewer"], video, {"stage": "annotate",
                                                         "reason": "x"}).status_code == 403
    history = list(ReviewEvent.objects.filter(video=video, kind="stage")
                   .values_list("previous", "value", "reason"))
    assert history == [("annotate", "review", ""), ("review", "annotate", "the car's wheels"),
                       ("annotate", "review", ""), ("review", "done", "")]


def test_my_work_lists_assigned_videos_with_progress(team, client_for):
    project, video, users = team
    Video.objects.filter(pk=video.pk).update(assignee=users["annotator"],
                                             reviewer=users["reviewer"])
    a = Object.objects.create(video=video, review_status="accepted")
    b = Object.objects.create(video=video)
    rle = {"size": [48, 64], "counts": "0"}
    for obj, frame, area in [(a, 0, 10), (a, 1, 10), (b, 1, 5), (b, 2, 0)]:
        FrameMask.objects.create(object=obj, video=video, frame=frame, rle=rle, area=area,
                                 source="prompt")
    elsewhere = Project.objects.create(name="Other")
    Video.objects.create(project=elsewhere, name="x", assignee=users["annotator"])  # not a member
    work = client_for(users["annotator"]).get("/api/me/work/").json()
    assert len(work) == 1 and work[0]["project"] == {"id": project.pk, "name": "Shapes"}
    row = work[0]["videos"][0]
    assert row["my_part"] == ["annotate"]
    assert (row["frames_with_masks"], row["num_frames"]) == (2, 10)
    assert (row["masklets_accepted"], row["masklets"]) == (1, 2)
    assert client_for(users["reviewer"]).get("/api/me/work/").json()[0]["videos"][0][
        "my_part"] == ["review"]
    assert client_for(users["viewer"]).get("/api/me/work/").json() == []


def test_assignments_follow_membership(team, client_for, sent):
    project, video, users = team
    Video.objects.filter(pk=video.pk).update(assignee=users["annotator"],
                                             reviewer=users["reviewer"])
    owner = client_for(users["owner"])
    base = f"/api/projects/{project.pk}/members/"
    assert owner.patch(f"{base}annotator/", {"role": "admin"}, format="json").status_code == 200
    video.refresh_from_db()
    assert video.assignee_id == users["annotator"].pk  # an admin may still annotate
    assert owner.patch(f"{base}annotator/", {"role": "viewer"}, format="json").status_code == 200
    assert owner.delete(f"{base}reviewer/").status_code == 204
    video.refresh_from_db()
    assert (video.assignee_id, video.reviewer_id) == (None, None)
    updates = [e for _, e in sent if e["type"] == "video.updated"]
    assert [(e["assignee"], e["reviewer"]) for e in updates] == [(None, "reviewer"),
                                                                 (None, None)]
