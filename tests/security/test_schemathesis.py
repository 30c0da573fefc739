"""Schemathesis (`--checks all`) against a live embedded server's /api/schema/: no 5xx, every
status code documented, every response body matching the schema, invalid input refused and
valid input accepted. Budget: SCHEMATHESIS_MAX_EXAMPLES cases per operation and phase (default
5, about a minute here); SCHEMATHESIS_SEED fixes the run (default 1)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realtime.stack import Stack

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "1"))
CLI = Path(sys.executable).with_name("schemathesis")

# Operations whose validity depends on stored state the schema cannot express: a body that
# fits the schema can still be refused with a precise 400, so `positive_data_acceptance`
# also takes 400 there (every other check, 5xx and schema conformance included, still runs).
STATE_DEPENDENT = {
    ("GET", "/api/videos/{video_id}/masks/"): "frame must lie within the video's frame count",
    ("POST", "/api/projects/{project_id}/labels/"): "label names are unique per project",
    ("PATCH", "/api/projects/{project_id}/labels/{label_id}/"): "label names are unique",
    ("POST", "/api/projects/{project_id}/members/"): "the username must name an active user",
    ("PATCH", "/api/projects/{project_id}/members/{username}/"): "a project keeps one owner",
    ("DELETE", "/api/projects/{project_id}/members/{username}/"): "a project keeps one owner",
    ("POST", "/api/projects/{project_id}/videos/"): "the file must decode as a video",
    ("POST", "/api/videos/{video_id}/imports/"): "the file must be a zip or JSON document",
    ("POST", "/api/videos/{video_id}/exports/"): "the video must be ready",
    ("POST", "/api/videos/{video_id}/evaluations/"): "selectors name existing objects/imports",
    # The run creates many exports; past EXPORTS_MAX_KEPT_PER_VIDEO the oldest zips expire.
    ("GET", "/api/exports/{id}/download/"): "an expired export's download is 410 Gone",
    ("PATCH", "/api/videos/{video_id}/"): "assignees are members; stages move in order",
    ("POST", "/api/videos/{video_id}/comments/"): "frame, object and parent must exist",
    ("PATCH", "/api/comments/{comment_id}/"): "something to change; text is the author's",
    ("POST", "/api/videos/{video_id}/objects/{object_id}/review/"): "the object must exist",
    ("POST", "/api/auth/password/"): "the old password must be the current one",
    ("GET", "/api/auth/password/reset/"): "uid and token must be a live set-password link",
    ("POST", "/api/auth/password/reset/"): "uid and token must be a live set-password link",
    ("POST", "/api/projects/{project_id}/invitations/"): "the username must be free",
    ("POST", "/api/users/{user_id}/password-reset/"): "the user must exist and be active",
    ("GET", "/api/projects/{project_id}/analytics/"): "since/until must be dates",
    ("GET", "/api/videos/{video_id}/consensus/"): "a and b must have drawn masklets here",
    ("POST", "/api/videos/{video_id}/consensus/pick/"): "keep and drop must be live objects",
}


def _config() -> str:
    out = []
    for (method, path), why in STATE_DEPENDENT.items():
        out += [f"# {why}", "[[operations]]", f'include-method = "{method}"',
                f'include-path = "{path}"',
                'checks.positive_data_acceptance.expected-statuses = '
                '["2xx", "400", "401", "403", "404", "409", "410", "429"]', ""]
    return "\n".join(out)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    # Schemathesis signs in many times with made-up credentials; the sign-in throttle would
    # answer 429 (documented, but it would starve the login operations of real coverage).
    s = Stack(tmp, embedded=True, sqlite=True,
              env={"LOGIN_RATE": "100000/min", "LOGIN_IP_RATE": "100000/min"})
    s.start()
    yield s
    s.stop()


@pytest.mark.stack
def test_api_conforms_to_its_schema_under_schemathesis(stack, tmp_path):
    cfg = tmp_path / "schemathesis.toml"
    cfg.write_text(_config())
    cmd = [
        str(CLI), "--config-file", str(cfg), "run", f"{stack.base}/api/schema/",
        "--checks", "all",
        "-H", f"Authorization: Token {stack.tokens['alice']}",  # the project's owner
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--generation-database", "none",  # no examples carried over from earlier runs
        "--workers", "2", "--request-timeout", "30",
        # Logout revokes the token every other request is sent with. Nothing else is left out:
        # DELETEs of the project or video under test only turn later requests into 404s,
        # which are documented and checked like any other answer.
        "--exclude-path", "/api/auth/logout/",
        "--no-color", "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                             env=dict(os.environ, SCHEMATHESIS_HOOKS=""))
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"schemathesis ran past 600 s:\n{(exc.stdout or '')[-4000:]}")
    out = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis failed:\n{out[-12000:]}\n{stack.logs()}"
    assert "Tested:" in out, out[-3000:]


# Regression tests for what schemathesis found (in-process, no live server).

@pytest.mark.django_db
def test_it_refuses_a_number_where_an_export_option_is_a_boolean(client_for, project_with_roles):
    project, users = project_with_roles
    c = client_for(users["owner"])
    url = f"/api/projects/{project.pk}/exports/"
    r = c.post(url, {"format": "coco", "include_frames": 0}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["errors"]["include_frames"] == ["Must be a valid boolean."]
    r = c.post(url, {"format": "coco", "include_frames": "false"}, format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["options"]["include_frames"] is False
    r = c.post(url, {"format": "yolo", "val_fraction": False}, format="json")
    assert r.status_code == 400 and "val_fraction" in r.json()["errors"], r.content


def test_the_schema_documents_the_refusals_each_operation_can_give():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    def codes(method, path):
        return set(paths[path][method]["responses"])

    assert {"401", "403", "404"} <= codes("get", "/api/videos/{video_id}/")
    assert {"400", "413", "415"} <= codes("post", "/api/projects/")
    assert {"429", "503"} <= codes("post", "/api/videos/{video_id}/exports/")
    assert "410" in codes("get", "/api/exports/{id}/download/")
    assert "503" in codes("post", "/api/projects/{project_id}/videos/")
    assert "400" in codes("delete", "/api/projects/{project_id}/members/{username}/")
    assert "404" in codes("get", "/api/projects/")  # ?page= past the end
    # JSON views document JSON bodies only.
    assert set(paths["/api/projects/"]["post"]["requestBody"]["content"]) == {"application/json"}
