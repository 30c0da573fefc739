"""The REST permission matrix, generated from ONE table: role x endpoint -> expected status.

Each row is `METHOD path body | owner admin annotator reviewer viewer outsider`. `{p}`, `{v}`
and `{l}` are the project, a video and a label; `2owners` rows add a second owner ("second").
Every request runs on a fresh project with one member per role. After each answer the test
also checks that a refused request changed no membership and that the project keeps an owner.
(The websocket half of the matrix lives with the realtime tests.)"""
from __future__ import annotations

import json

import pytest

from webapp.projects.models import Membership, Role
from webapp.videos.models import Video

ROLES = ["owner", "admin", "annotator", "reviewer", "viewer", "outsider"]

TABLE = """
# method path                              body                                   setup    | own adm ann rev vie out
GET    /api/projects/{p}/                  -                                      -        | 200 200 200 200 200 404
PATCH  /api/projects/{p}/                  {"name": "Renamed"}                    -        | 200 200 403 403 403 404
DELETE /api/projects/{p}/                  -                                      -        | 204 403 403 403 403 404
GET    /api/projects/{p}/members/          -                                      -        | 200 200 200 200 200 404
POST   /api/projects/{p}/members/          {"username": "newbie", "role": "viewer"} -      | 201 201 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "newbie", "role": "owner"}  -      | 201 403 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "ghost", "role": "viewer"}  -      | 400 400 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "viewer", "role": "admin"}  -      | 200 200 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "viewer", "role": "owner"}  -      | 200 403 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "owner", "role": "viewer"}  -      | 400 403 403 403 403 404
POST   /api/projects/{p}/members/          {"username": "second", "role": "viewer"} 2owners | 200 403 403 403 403 404
PATCH  /api/projects/{p}/members/viewer/   {"role": "annotator"}                  -        | 200 200 403 403 403 404
PATCH  /api/projects/{p}/members/viewer/   {"role": "owner"}                      -        | 200 403 403 403 403 404
PATCH  /api/projects/{p}/members/owner/    {"role": "viewer"}                     -        | 400 403 403 403 403 404
PATCH  /api/projects/{p}/members/owner/    {"role": "viewer"}                     2owners  | 200 403 403 403 403 404
PATCH  /api/projects/{p}/members/second/   {"role": "admin"}                      2owners  | 200 403 403 403 403 404
PATCH  /api/projects/{p}/members/admin/    {"role": "owner"}                      -        | 200 403 403 403 403 404
DELETE /api/projects/{p}/members/viewer/   -                                      -        | 204 204 403 403 403 404
DELETE /api/projects/{p}/members/owner/    -                                      -        | 400 403 403 403 403 404
DELETE /api/projects/{p}/members/second/   -                                      2owners  | 204 403 403 403 403 404
DELETE /api/projects/{p}/members/nobody/   -                                      -        | 404 404 403 403 403 404
GET    /api/projects/{p}/labels/           -                                      -        | 200 200 200 200 200 404
POST   /api/projects/{p}/labels/           {"name": "tri"}                        -        | 201 201 403 403 403 404
PATCH  /api/projects/{p}/labels/{l}/       {"name": "disk"}                       -        | 200 200 403 403 403 404
DELETE /api/projects/{p}/labels/{l}/       -                                      -        | 204 204 403 403 403 404
GET    /api/projects/{p}/videos/           -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/                    -                                      -        | 200 200 200 200 200 404
PATCH  /api/videos/{v}/                    {"name": "renamed.mp4"}                -        | 200 200 403 403 403 404
DELETE /api/videos/{v}/                    -                                      -        | 204 204 403 403 403 404
GET    /api/videos/{v}/objects/            -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/masks/?frame=0      -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/prompts/            -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/timeline/           -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/exports/            -                                      -        | 200 200 200 403 403 404
GET    /api/projects/{p}/exports/          -                                      -        | 200 200 200 403 403 404
GET    /api/videos/{v}/imports/            -                                      -        | 200 200 200 200 200 404
GET    /api/videos/{v}/evaluations/        -                                      -        | 200 200 200 200 200 404
PATCH  /api/videos/{v}/                    {"assignee": "annotator"}              -        | 200 200 403 403 403 404
PATCH  /api/videos/{v}/                    {"stage": "review"}                    -        | 200 200 403 403 403 404
GET    /api/videos/{v}/comments/           -                                      -        | 200 200 200 200 200 404
POST   /api/videos/{v}/comments/           {"frame": 0, "text": "hi"}             -        | 201 201 201 201 403 404
GET    /api/videos/{v}/flags/              -                                      -        | 200 200 200 200 200 404
GET    /api/projects/{p}/analytics/        -                                      -        | 200 200 403 200 403 404
PATCH  /api/videos/{v}/                    {"second_assignee": "annotator"}       -        | 200 200 403 403 403 404
GET    /api/videos/{v}/consensus/?a=annotator&b=admin -                           -        | 400 400 400 400 400 404
POST   /api/videos/{v}/consensus/pick/     {"keep": 1, "drop": 2}                 -        | 400 400 403 400 403 404
"""


def _rows():
    for line in TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        left, _, right = line.partition("|")
        method, path, rest = left.split(None, 2)
        body, setup = rest.rstrip().rsplit(None, 1)
        statuses = [int(s) for s in right.split()]
        assert len(statuses) == len(ROLES), line
        for role, expected in zip(ROLES, statuses):
            yield pytest.param(
                method, path, None if body.strip() == "-" else json.loads(body), setup, role,
                expected, id=f"{method} {path} {body.strip()} {setup} as {role}",
            )


def _memberships(project) -> dict[str, str]:
    return dict(Membership.objects.filter(project=project).values_list("user__username", "role"))


@pytest.mark.parametrize("method, path, body, setup, role, expected", list(_rows()))
def test_permission_matrix(project_with_roles, make_user, client_for,
                           method, path, body, setup, role, expected):
    project, users = project_with_roles
    make_user("newbie")
    if setup == "2owners":
        Membership.objects.create(project=project, user=make_user("second"), role=Role.OWNER)
    video = Video.objects.create(project=project, name="clip.mp4", status="ready", num_frames=4,
                                 width=32, height=32)
    label = project.labels.first()
    url = path.format(p=project.pk, v=video.pk, l=label.pk)
    before = _memberships(project)

    client = client_for(users[role])
    resp = getattr(client, method.lower())(url, body, format="json")

    assert resp.status_code == expected, (resp.status_code, resp.content[:300])
    if resp.status_code != 204:
        assert "json" in resp["Content-Type"]
    if resp.status_code >= 400:
        assert _memberships(project) == before
    if method != "DELETE" or "/members/" in path:
        assert Role.OWNER in _memberships(project).values(), "the project lost its last owner"


def test_the_table_covers_every_role_and_ownership_change():
    rows = list(_rows())
    assert {r.values[4] for r in rows} == set(ROLES)
    owner_rows = [r for r in rows if "owner" in json.dumps(r.values[2]) or "/owner/" in r.values[1]]
    assert len(owner_rows) >= 6 * 6


def test_anonymous_requests_are_401(project_with_roles):
    from rest_framework.test import APIClient

    project, _ = project_with_roles
    for url in [f"/api/projects/{project.pk}/", f"/api/projects/{project.pk}/members/", "/api/me/"]:
        assert APIClient().get(url).status_code == 401, url
