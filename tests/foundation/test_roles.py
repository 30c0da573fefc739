"""The role x action matrix over REST, and cross-project ids that must reveal nothing."""
import pytest

from webapp.projects.models import Project
from webapp.videos.models import Video

# action -> roles that may do it ("outsider" is never allowed: 404)
MATRIX = {
    "view_project": {"owner", "admin", "annotator", "reviewer", "viewer"},
    "list_members": {"owner", "admin", "annotator", "reviewer", "viewer"},
    "view_video": {"owner", "admin", "annotator", "reviewer", "viewer"},
    "view_frame": {"owner", "admin", "annotator", "reviewer", "viewer"},
    "view_masks": {"owner", "admin", "annotator", "reviewer", "viewer"},
    "rename_project": {"owner", "admin"},
    "add_member": {"owner", "admin"},
    "add_label": {"owner", "admin"},
    "rename_video": {"owner", "admin"},
    "delete_project": {"owner"},
}
ALL = ["owner", "admin", "annotator", "reviewer", "viewer", "outsider"]


def _do(action, client, project, video):
    p, v = project.pk, video.pk
    return {
        "view_project": lambda: client.get(f"/api/projects/{p}/"),
        "list_members": lambda: client.get(f"/api/projects/{p}/members/"),
        "view_video": lambda: client.get(f"/api/videos/{v}/"),
        "view_frame": lambda: client.get(f"/api/videos/{v}/frames/0.jpg"),
        "view_masks": lambda: client.get(f"/api/videos/{v}/masks/?frame=0"),
        "rename_project": lambda: client.patch(f"/api/projects/{p}/", {"name": "new"}, format="json"),
        "add_member": lambda: client.post(
            f"/api/projects/{p}/members/", {"username": "newbie", "role": "viewer"}, format="json"
        ),
        "add_label": lambda: client.post(f"/api/projects/{p}/labels/", {"name": "cat"}, format="json"),
        "rename_video": lambda: client.patch(f"/api/videos/{v}/", {"name": "x.mp4"}, format="json"),
        "delete_project": lambda: client.delete(f"/api/projects/{p}/"),
    }[action]()


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_role_matrix(action, role, ready_video, project_with_roles, client_for, make_user):
    project, users = project_with_roles
    make_user("newbie")
    resp = _do(action, client_for(users[role]), project, ready_video)
    if role == "outsider":
        assert resp.status_code == 404, resp.content
    elif role in MATRIX[action]:
        assert resp.status_code in (200, 201, 204), (resp.status_code, resp.content)
    else:
        assert resp.status_code == 403, (resp.status_code, resp.content)
        assert role in resp.json()["detail"]


def test_anonymous_requests_get_401(ready_video, client_for):
    resp = client_for(None).get(f"/api/videos/{ready_video.pk}/")
    assert resp.status_code == 401


def test_a_member_of_another_project_cannot_reach_this_ones_videos(ready_video, client_for, make_user):
    from webapp.projects.models import Membership

    stranger = make_user("stranger")
    theirs = Project.objects.create(name="theirs")
    Membership.objects.create(project=theirs, user=stranger, role="owner")
    c = client_for(stranger)
    v = ready_video.pk
    for url in [
        f"/api/videos/{v}/",
        f"/api/videos/{v}/frames/0.jpg",
        f"/api/videos/{v}/objects/",
        f"/api/videos/{v}/masks/?frame=0",
        f"/api/videos/{v}/timeline/",
        f"/api/projects/{ready_video.project_id}/videos/",
    ]:
        resp = c.get(url)
        assert resp.status_code == 404, url
        assert b"clip" not in resp.content
    listed = c.get("/api/projects/").json()["results"]
    assert [p["name"] for p in listed] == ["theirs"]


def test_projects_list_is_paginated_and_shows_the_callers_role(project_with_roles, client_for):
    project, users = project_with_roles
    body = client_for(users["reviewer"]).get("/api/projects/").json()
    assert body["count"] == 1 and body["results"][0]["role"] == "reviewer"
    assert [lab["name"] for lab in body["results"][0]["labels"]] == ["disc", "box"]


def test_creating_a_project_makes_the_creator_owner_with_ordered_labels(make_user, client_for):
    c = client_for(make_user("carol"))
    resp = c.post("/api/projects/", {"name": "Cells", "labels": ["nucleus", "membrane"]}, format="json")
    assert resp.status_code == 201
    body = resp.json()
    assert body["role"] == "owner"
    assert [(lab["name"], lab["order"]) for lab in body["labels"]] == [("nucleus", 0), ("membrane", 1)]
    dup = c.post("/api/projects/", {"name": "X", "labels": ["a", "a"]}, format="json")
    assert dup.status_code == 400 and "unique" in dup.json()["detail"]


def test_an_admin_cannot_promote_to_owner_and_the_last_owner_stays(project_with_roles, client_for):
    project, users = project_with_roles
    admin = client_for(users["admin"])
    resp = admin.patch(f"/api/projects/{project.pk}/members/viewer/", {"role": "owner"}, format="json")
    assert resp.status_code == 403
    owner = client_for(users["owner"])
    resp = owner.patch(f"/api/projects/{project.pk}/members/owner/", {"role": "viewer"}, format="json")
    assert resp.status_code == 400 and "owner" in resp.json()["detail"]
    resp = owner.delete(f"/api/projects/{project.pk}/members/owner/")
    assert resp.status_code == 400
    resp = owner.patch(f"/api/projects/{project.pk}/members/viewer/", {"role": "annotator"}, format="json")
    assert resp.status_code == 200 and resp.json()["role"] == "annotator"


def test_adding_an_unknown_user_or_role_is_a_readable_400(project_with_roles, client_for):
    project, users = project_with_roles
    c = client_for(users["owner"])
    resp = c.post(f"/api/projects/{project.pk}/members/", {"username": "ghost", "role": "viewer"}, format="json")
    assert resp.status_code == 400 and "ghost" in resp.json()["detail"]
    resp = c.post(f"/api/projects/{project.pk}/members/", {"username": "viewer", "role": "king"}, format="json")
    assert resp.status_code == 400 and "role" in resp.json()["detail"]


def test_duplicate_label_is_a_400(project_with_roles, client_for):
    project, users = project_with_roles
    resp = client_for(users["admin"]).post(f"/api/projects/{project.pk}/labels/", {"name": "disc"}, format="json")
    assert resp.status_code == 400 and "already exists" in resp.json()["detail"]


def test_masks_query_validates_the_frame(ready_video, project_with_roles, client_for):
    _, users = project_with_roles
    c = client_for(users["viewer"])
    assert c.get(f"/api/videos/{ready_video.pk}/masks/").status_code == 400
    assert c.get(f"/api/videos/{ready_video.pk}/masks/?frame=abc").status_code == 400
    resp = c.get(f"/api/videos/{ready_video.pk}/masks/?frame={ready_video.num_frames}")
    assert resp.status_code == 400 and "outside" in resp.json()["detail"]
    assert c.get(f"/api/videos/{ready_video.pk}/masks/?frame=0").json() == []


def test_the_prompt_log_lists_live_objects_prompts_in_seq_order(ready_video, project_with_roles, client_for):
    from webapp.annotations.models import Object, Prompt

    _, users = project_with_roles
    keep = Object.objects.create(video=ready_video)
    gone = Object.objects.create(video=ready_video, deleted=True)
    Prompt.objects.create(video=ready_video, seq=2, object=keep, frame=5, kind="box",
                          payload={"box": [1, 2, 3, 4]}, user=users["annotator"])
    Prompt.objects.create(video=ready_video, seq=1, object=keep, frame=3, kind="point",
                          payload={"points": [[1, 1]], "labels": [1]})
    Prompt.objects.create(video=ready_video, seq=3, object=gone, frame=3, kind="point")
    c = client_for(users["viewer"])
    body = c.get(f"/api/videos/{ready_video.pk}/prompts/").json()
    assert [(p["seq"], p["frame"], p["kind"]) for p in body] == [(1, 3, "point"), (2, 5, "box")]
    assert body[1]["user"] == "annotator" and body[1]["payload"] == {"box": [1, 2, 3, 4]}
    assert [p["seq"] for p in c.get(f"/api/videos/{ready_video.pk}/prompts/?frame=5").json()] == [2]
    assert c.get(f"/api/videos/{ready_video.pk}/prompts/?frame=x").status_code == 400


def test_video_detail_carries_per_frame_timestamps(ready_video, project_with_roles, client_for):
    _, users = project_with_roles
    body = client_for(users["viewer"]).get(f"/api/videos/{ready_video.pk}/").json()
    assert len(body["timestamps"]) == body["num_frames"] == 24
    assert body["timestamps"][:2] == [0.0, pytest.approx(1 / 24, abs=1e-4)]
