"""Malformed input to the REST API is a precise 4xx in JSON: over-deep JSON, non-integer ids,
non-string text fields; the timeline's schema matches its list; long lists are capped."""
import json

import pytest
from rest_framework.test import APIClient

from webapp.annotations.models import Object, Prompt
from webapp.videos.models import Video


@pytest.fixture
def video(project_with_roles):
    project, _ = project_with_roles
    return Video.objects.create(project=project, name="v", status="ready", num_frames=8,
                                width=32, height=32)


def test_deeply_nested_json_to_the_token_endpoint_is_a_400(db):
    body = "[" * 100_000 + "]" * 100_000
    resp = APIClient().post("/api/auth/token/", body, content_type="application/json")
    assert resp.status_code == 400 and "nested deeper than" in resp.json()["detail"]


def test_json_nested_past_the_limit_is_a_400_everywhere(project_with_roles, client_for, settings):
    project, users = project_with_roles
    settings.JSON_MAX_DEPTH = 8
    nested = {"a": [[[[[[[[[1]]]]]]]]]}
    resp = client_for(users["owner"]).patch(
        f"/api/projects/{project.pk}/", json.dumps(nested), content_type="application/json"
    )
    assert resp.status_code == 400 and "nested deeper than 8" in resp.json()["detail"]
    shallow = {"name": "Renamed", "x": [[1]]}
    resp = client_for(users["owner"]).patch(
        f"/api/projects/{project.pk}/", json.dumps(shallow), content_type="application/json"
    )
    assert resp.status_code == 200


@pytest.mark.parametrize("path", [
    "/api/videos/abc/", "/api/videos/abc/objects/", "/api/projects/x/members/", "/api/nothing/",
])
def test_unknown_api_urls_are_a_json_404(project_with_roles, client_for, path):
    _, users = project_with_roles
    resp = client_for(users["owner"]).get(path)
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/json" and resp.json() == {"detail": "not found"}


def test_non_api_urls_keep_html_404s(client):
    resp = client.get("/definitely/not/here/")
    assert resp.status_code == 404 and "json" not in resp["Content-Type"]


def test_wrong_methods_are_a_json_405(project_with_roles, client_for, video):
    _, users = project_with_roles
    resp = client_for(users["owner"]).put(f"/api/videos/{video.pk}/objects/", {}, format="json")
    assert resp.status_code == 405 and "detail" in resp.json()


def test_a_crash_under_api_is_a_json_500(rf):
    from webapp.accounts.handlers import server_error

    resp = server_error(rf.get("/api/videos/1/"))
    assert resp.status_code == 500 and json.loads(resp.content) == {"detail": "internal server error"}


@pytest.mark.parametrize("body", [
    {"description": 0}, {"name": 12}, {"name": ["x"]}, {"description": 1.5}, {"name": True},
])
def test_project_text_fields_refuse_non_strings(project_with_roles, client_for, body):
    project, users = project_with_roles
    resp = client_for(users["owner"]).patch(f"/api/projects/{project.pk}/", body, format="json")
    assert resp.status_code == 400, resp.content
    assert "Not a valid string" in resp.json()["detail"]
    project.refresh_from_db()
    assert project.name == "Shapes" and project.description == ""


@pytest.mark.parametrize("path, body", [
    ("/api/projects/", {"name": 5}),
    ("/api/projects/", {"name": "ok", "labels": [1, 2]}),
    ("/api/projects/{p}/labels/", {"name": 7}),
    ("/api/projects/{p}/members/", {"username": 1, "role": "viewer"}),
    ("/api/auth/token/", {"username": 1, "password": 2}),
])
def test_other_text_fields_refuse_non_strings(project_with_roles, client_for, path, body):
    project, users = project_with_roles
    resp = client_for(users["owner"]).post(path.format(p=project.pk), body, format="json")
    assert resp.status_code == 400 and "Not a valid string" in resp.json()["detail"], resp.content


def test_the_timeline_schema_is_a_list_of_tracks(make_user, client_for, video):
    schema = client_for(make_user("alice")).get("/api/schema/?format=json").json()
    ok = schema["paths"]["/api/videos/{video_id}/timeline/"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    ref = body["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {
        "object_id", "mask_frames", "prompt_frames"
    }


def test_the_timeline_response_is_still_a_list(project_with_roles, client_for, video):
    _, users = project_with_roles
    Object.objects.create(video=video, name="a")
    body = client_for(users["viewer"]).get(f"/api/videos/{video.pk}/timeline/").json()
    assert isinstance(body, list) and set(body[0]) == {"object_id", "mask_frames", "prompt_frames"}


@pytest.fixture
def many(video):
    objs = Object.objects.bulk_create(Object(video=video, name=f"o{i}") for i in range(7))
    Prompt.objects.bulk_create(
        Prompt(video=video, seq=i + 1, object=objs[i % 7], frame=0, kind="point",
               payload={"points": [[1, 1]], "labels": [1]})
        for i in range(9)
    )
    return video


def test_objects_and_prompts_stay_plain_lists_capped_at_list_max_rows(
    project_with_roles, client_for, many, settings
):
    _, users = project_with_roles
    c = client_for(users["viewer"])
    full = c.get(f"/api/videos/{many.pk}/objects/")
    assert isinstance(full.json(), list) and len(full.json()) == 7 and "Link" not in full
    settings.LIST_MAX_ROWS = 4
    capped = c.get(f"/api/videos/{many.pk}/objects/")
    assert len(capped.json()) == 4 and 'rel="next"' in capped["Link"]
    assert c.get(f"/api/videos/{many.pk}/objects/?limit=5").status_code == 400
    prompts = c.get(f"/api/videos/{many.pk}/prompts/")
    assert [p["seq"] for p in prompts.json()] == [1, 2, 3, 4]


def test_objects_page_by_offset_and_prompts_by_after_seq(project_with_roles, client_for, many):
    _, users = project_with_roles
    c = client_for(users["viewer"])
    seen, url = [], f"/api/videos/{many.pk}/objects/?limit=3"
    while url:
        resp = c.get(url)
        seen += [o["id"] for o in resp.json()]
        url = resp.get("Link", "").partition("<")[2].partition(">")[0]
    assert len(seen) == 7 and seen == sorted(set(seen))
    page = c.get(f"/api/videos/{many.pk}/prompts/?after_seq=6&limit=2")
    assert [p["seq"] for p in page.json()] == [7, 8] and "after_seq=8" in page["Link"]
    last = c.get(f"/api/videos/{many.pk}/prompts/?after_seq=8&limit=2")
    assert [p["seq"] for p in last.json()] == [9] and "Link" not in last
    for bad in ["limit=0", "limit=x", "offset=-1"]:
        assert c.get(f"/api/videos/{many.pk}/objects/?{bad}").status_code == 400, bad


def test_video_name_refuses_non_strings(project_with_roles, client_for, video):
    _, users = project_with_roles
    resp = client_for(users["owner"]).patch(f"/api/videos/{video.pk}/", {"name": 0}, format="json")
    assert resp.status_code == 400 and "Not a valid string" in resp.json()["detail"]
    video.refresh_from_db()
    assert video.name == "v"


def test_evaluations_json_has_the_depth_limit_too(project_with_roles, client_for, video):
    _, users = project_with_roles
    body = '{"reference": ' + "[" * 5000 + "]" * 5000 + "}"
    resp = client_for(users["owner"]).post(f"/api/videos/{video.pk}/evaluations/", body,
                                           content_type="application/json")
    assert resp.status_code == 400 and "nested deeper than" in resp.json()["detail"]
