"""Member add (POST …/members/) applies the ownership rules of PATCH and DELETE, and refuses
unknown and deactivated usernames with one answer."""
import json

import pytest

from webapp.projects.models import Membership, Role


def roles(project) -> dict[str, str]:
    return dict(project.memberships.values_list("user__username", "role"))


@pytest.fixture
def team(project_with_roles, client_for):
    project, users = project_with_roles
    return project, users, {name: client_for(u) for name, u in users.items()}


def test_an_admin_cannot_demote_the_owner_through_member_add(team):
    project, _, c = team
    url = f"/api/projects/{project.pk}/members/"
    resp = c["admin"].post(url, {"username": "owner", "role": "viewer"}, format="json")
    assert resp.status_code == 403, resp.content
    assert roles(project)["owner"] == Role.OWNER
    # ... and so cannot delete them afterwards either.
    assert c["admin"].delete(f"{url}owner/").status_code == 403
    assert roles(project)["owner"] == Role.OWNER


def test_a_sole_owner_cannot_demote_themselves_through_member_add(team):
    project, _, c = team
    resp = c["owner"].post(
        f"/api/projects/{project.pk}/members/", {"username": "owner", "role": "viewer"}, format="json"
    )
    assert resp.status_code == 400 and "at least one owner" in resp.json()["detail"]
    assert roles(project)["owner"] == Role.OWNER


def test_an_owner_may_hand_over_ownership_through_member_add(team):
    project, _, c = team
    url = f"/api/projects/{project.pk}/members/"
    assert c["owner"].post(url, {"username": "admin", "role": "owner"}, format="json").status_code == 200
    assert c["owner"].post(url, {"username": "owner", "role": "viewer"}, format="json").status_code == 200
    assert roles(project)["admin"] == Role.OWNER and roles(project)["owner"] == Role.VIEWER


def test_an_admin_cannot_grant_the_owner_role_to_anyone(team, make_user):
    project, _, c = team
    make_user("newbie")
    url = f"/api/projects/{project.pk}/members/"
    for username in ["viewer", "newbie"]:
        resp = c["admin"].post(url, {"username": username, "role": "owner"}, format="json")
        assert resp.status_code == 403
    assert Role.OWNER not in {roles(project).get("viewer"), roles(project).get("newbie")}


def test_member_add_does_not_tell_whether_a_username_exists(team, make_user):
    project, _, c = team
    make_user("sleeper", is_active=False)
    url = f"/api/projects/{project.pk}/members/"
    answers = []
    for username in ["ghost", "sleeper"]:
        resp = c["admin"].post(url, {"username": username, "role": "viewer"}, format="json")
        # The name is echoed; nothing else differs.
        answers.append((resp.status_code, json.dumps(resp.json()).replace(username, "NAME")))
    assert answers[0] == answers[1] and answers[0][0] == 400
    # Refusals that depend on the role come before the lookup: same answer either way.
    make_user("real")
    for username in ["ghost", "real"]:
        resp = c["admin"].post(url, {"username": username, "role": "owner"}, format="json")
        assert resp.status_code == 403, username
    assert not Membership.objects.filter(project=project, user__username="sleeper").exists()
