"""The export REST contract: 201 {id, status}, status polling, zip download, roles."""
import io
import zipfile

import pytest

from tests.conftest import wait_for
from tests.exports.conftest import rect
from webapp.exports import views
from webapp.exports.models import ExportJob
from webapp.projects.models import Project


@pytest.fixture
def inline_jobs(monkeypatch, django_capture_on_commit_callbacks):
    """Run submitted jobs synchronously when the request's transaction commits."""
    monkeypatch.setattr(views, "submit", lambda task, *args: task.run(*args))
    return django_capture_on_commit_callbacks


@pytest.mark.django_db
def test_post_export_returns_201_then_status_then_a_zip(scene, project_with_roles, client_for,
                                                       inline_jobs):
    video, objs = scene
    client = client_for(project_with_roles[1]["annotator"])
    with inline_jobs(execute=True):
        r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "davis", "stride": 2},
                        format="json")
    assert r.status_code == 201
    body = r.json()
    assert set(body) >= {"id", "status"} and body["status"] == "queued"
    s = client.get(f"/api/exports/{body['id']}/").json()
    assert s["status"] == "done" and s["progress"] == 100.0 and s["error"] == ""
    assert s["format"] == "davis" and s["options"]["stride"] == 2
    assert s["download_url"] == f"/api/exports/{body['id']}/download/"
    d = client.get(s["download_url"])
    assert d.status_code == 200 and d["Content-Type"] == "application/zip"
    assert "attachment" in d["Content-Disposition"]
    z = zipfile.ZipFile(io.BytesIO(b"".join(d.streaming_content)))
    assert sorted(n for n in z.namelist() if n.startswith("Annotations/")) == [
        f"Annotations/walk/{f:05d}.png" for f in (0, 2, 4, 6, 8)]
    listing = client.get(f"/api/videos/{video.pk}/exports/").json()
    assert [j["id"] for j in listing] == [body["id"]]


@pytest.mark.django_db
def test_unknown_format_and_bad_stride_are_400(scene, project_with_roles, client_for):
    video, _ = scene
    client = client_for(project_with_roles[1]["owner"])
    r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "pascal"}, format="json")
    assert r.status_code == 400 and "format" in r.json()["detail"]
    r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "coco", "stride": 0},
                    format="json")
    assert r.status_code == 400
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role,code", [("owner", 201), ("admin", 201), ("annotator", 201),
                                       ("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_who_may_export(role, code, scene, project_with_roles, client_for, inline_jobs):
    video, _ = scene
    client = client_for(project_with_roles[1][role])
    with inline_jobs(execute=True):
        r = client.post(f"/api/videos/{video.pk}/exports/",
                        {"format": "mots", "class_map": {"disc": 1, "box": 1, "unlabeled": 10}},
                        format="json")
    assert r.status_code == code


@pytest.mark.django_db
def test_other_projects_exports_are_404_never_data(scene, project_with_roles, make_user,
                                                   client_for, inline_jobs):
    video, _ = scene
    owner = client_for(project_with_roles[1]["owner"])
    with inline_jobs(execute=True):
        job_id = owner.post(f"/api/videos/{video.pk}/exports/", {"format": "coco"},
                            format="json").json()["id"]
    stranger = make_user("mallory")
    Project.objects.create(name="Mallory's").memberships.create(user=stranger, role="owner")
    c = client_for(stranger)
    for url in (f"/api/exports/{job_id}/", f"/api/exports/{job_id}/download/",
                f"/api/videos/{video.pk}/exports/", f"/api/projects/{video.project_id}/exports/"):
        r = c.get(url)
        assert r.status_code == 404, url
        assert b"walk" not in r.content
    assert client_for(project_with_roles[1]["viewer"]).get(f"/api/exports/{job_id}/").status_code == 403
    assert client_for(None).get(f"/api/exports/{job_id}/").status_code in (401, 403)


@pytest.mark.django_db
def test_project_wide_export(scene, make_video, add_object, project_with_roles, client_for,
                             inline_jobs):
    video, _ = scene
    other = make_video(num_frames=2, name="other.mp4")
    add_object(other, {1: rect(48, 64, 0, 0, 4, 4)}, "disc")
    client = client_for(project_with_roles[1]["admin"])
    with inline_jobs(execute=True):
        r = client.post(f"/api/projects/{video.project_id}/exports/",
                        {"format": "yolo", "include_frames": False}, format="json")
    assert r.status_code == 201
    s = client.get(f"/api/exports/{r.json()['id']}/").json()
    assert s["status"] == "done" and s["video"] is None
    z = zipfile.ZipFile(io.BytesIO(b"".join(client.get(s["download_url"]).streaming_content)))
    labels = [n for n in z.namelist() if n.startswith("labels/")]
    assert len(labels) == 12 and "labels/val/other/00001.txt" in labels
    assert z.read("labels/val/other/00001.txt").decode().startswith("0 ")


@pytest.mark.django_db
def test_a_missing_frame_fails_the_export_with_a_readable_error(scene, project_with_roles,
                                                                client_for, inline_jobs):
    from django.core.files.storage import default_storage

    video, _ = scene
    default_storage.delete(video.frame_path(4))
    client = client_for(project_with_roles[1]["owner"])
    with inline_jobs(execute=True):
        job_id = client.post(f"/api/videos/{video.pk}/exports/", {"format": "davis"},
                             format="json").json()["id"]
    s = client.get(f"/api/exports/{job_id}/").json()
    assert s["status"] == "failed" and "frame 4" in s["error"] and s["download_url"] is None
    assert client.get(f"/api/exports/{job_id}/download/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_export_runs_in_the_background_thread_and_reports_done(scene, project_with_roles,
                                                               client_for):
    """The embedded default: webapp.jobs.submit runs the Celery task in a thread."""
    video, _ = scene
    client = client_for(project_with_roles[1]["owner"])
    r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "sav"}, format="json")
    assert r.status_code == 201
    job_id = r.json()["id"]
    final = wait_for(lambda: (s := client.get(f"/api/exports/{job_id}/").json())["status"]
                     in ("done", "failed") and s, timeout=60)
    assert final["status"] == "done", final["error"]
    assert final["size_bytes"] > 0


@pytest.mark.django_db
def test_progress_is_written_while_the_masks_stream(scene, monkeypatch):
    """Progress updates run between reads of the mask cursor (a server-side cursor on
    Postgres), and rise monotonically to 100."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from webapp.exports import exporter, models

    video, _ = scene
    monkeypatch.setattr(models, "PROGRESS_INTERVAL_S", 0.0)
    job = ExportJob.objects.create(project=video.project, video=video, format="davis")
    with CaptureQueriesContext(connection) as ctx:
        job = exporter.run_export(job.pk)
    assert job.status == "done" and job.progress == 100.0
    import re

    values = [float(m.group(1)) for q in ctx.captured_queries
              if (m := re.search(r'SET "progress" = ([0-9.]+)', q["sql"]))]
    assert len(values) >= 10 and values == sorted(values) and values[-1] <= 100.0
