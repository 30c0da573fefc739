"""Exports are bounded: a few queued or running per user (429 past it), a few finished zips
kept per video, and every zip expires after EXPORT_RETENTION_HOURS (410 Gone afterwards)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from tests.exports.conftest import add_object, make_video, scene  # noqa: F401 - fixtures
from webapp import storage_cleanup
from webapp.exports import tasks, views
from webapp.exports.models import ExportJob


@pytest.fixture
def inline(monkeypatch, django_capture_on_commit_callbacks):
    """Jobs (exports and file deletions) run in this thread when the transaction commits."""
    monkeypatch.setattr(views, "submit", lambda task, *args: task.run(*args))
    monkeypatch.setattr(storage_cleanup, "submit", lambda task, *args: task.run(*args))
    return django_capture_on_commit_callbacks


def _done_export(video, user, hours_ago: float) -> ExportJob:
    job = ExportJob.objects.create(project=video.project, video=video, format="coco",
                                   status="done", progress=100.0, created_by=user)
    job.file = default_storage.save(f"exports/{job.pk}/old-coco.zip", ContentFile(b"PK"))
    job.finished_at = timezone.now() - timedelta(hours=hours_ago)
    job.save(update_fields=["file", "finished_at"])
    return job


@pytest.mark.django_db
def test_thirty_export_requests_create_at_most_the_active_limit(scene, project_with_roles,
                                                                client_for):
    video, _ = scene
    users = project_with_roles[1]
    client = client_for(users["annotator"])
    # No worker runs here, so every accepted job stays queued.
    codes = [client.post(f"/api/videos/{video.pk}/exports/", {"format": "coco"},
                         format="json") for _ in range(30)]
    assert [r.status_code for r in codes] == [201] * 3 + [429] * 27
    assert codes[3].json()["detail"] == (
        "you already have 3 exports queued or running, the limit is 3 per user "
        "(EXPORTS_MAX_ACTIVE_PER_USER); wait for one to finish and try again")
    assert ExportJob.objects.count() == 3
    # Whole-project exports count against the same limit...
    r = client.post(f"/api/projects/{video.project_id}/exports/", {"format": "coco"},
                    format="json")
    assert r.status_code == 429
    # ...another user is not held back...
    r = client_for(users["owner"]).post(f"/api/videos/{video.pk}/exports/", {"format": "coco"},
                                        format="json")
    assert r.status_code == 201
    # ...and a finished export frees a slot.
    ExportJob.objects.filter(created_by=users["annotator"]).update(status="failed")
    r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "coco"}, format="json")
    assert r.status_code == 201


@pytest.mark.django_db
def test_the_active_limit_is_a_setting(settings, scene, project_with_roles, client_for):
    settings.EXPORTS_MAX_ACTIVE_PER_USER = 1
    video, _ = scene
    client = client_for(project_with_roles[1]["annotator"])
    url = f"/api/videos/{video.pk}/exports/"
    assert client.post(url, {"format": "yolo"}, format="json").status_code == 201
    r = client.post(url, {"format": "yolo"}, format="json")
    assert r.status_code == 429 and "the limit is 1 per user" in r.json()["detail"]


@pytest.mark.django_db
def test_only_the_newest_finished_zips_of_a_video_are_kept(settings, scene, project_with_roles,
                                                          inline):
    settings.EXPORTS_MAX_KEPT_PER_VIDEO = 2
    video, _ = scene
    user = project_with_roles[1]["owner"]
    jobs = []
    for _ in range(3):
        job = ExportJob.objects.create(project=video.project, video=video, format="davis",
                                       created_by=user)
        with inline(execute=True):  # a worker runs in autocommit: deletions happen at once
            assert tasks.run_export.run(job.pk) == "done"
        job.refresh_from_db()
        jobs.append((job.pk, job.file))
    (oldest, oldest_file), *kept = jobs
    assert not default_storage.exists(oldest_file)
    assert all(default_storage.exists(f) for _, f in kept)
    old = ExportJob.objects.get(pk=oldest)
    assert old.status == "done" and old.expired_at is not None and old.file == ""
    assert ExportJob.objects.filter(expired_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_an_expired_export_says_so_and_its_download_is_410(scene, project_with_roles,
                                                           client_for, inline):
    video, _ = scene
    user = project_with_roles[1]["owner"]
    old = _done_export(video, user, hours_ago=73)
    fresh = _done_export(video, user, hours_ago=1)
    client = client_for(user)
    body = client.get(f"/api/exports/{old.pk}/").json()
    assert body["status"] == "done" and body["expired"] is True
    assert body["download_url"] is None and body["expires_at"]
    with inline(execute=True):
        r = client.get(f"/api/exports/{old.pk}/download/")
    assert r.status_code == 410
    assert r["Content-Type"] == "application/json"
    assert "expired" in r.json()["detail"] and "start a new export" in r.json()["detail"]
    assert not default_storage.exists(old.file)
    body = client.get(f"/api/exports/{fresh.pk}/").json()
    assert body["expired"] is False and body["download_url"]
    assert client.get(body["download_url"]).status_code == 200


@pytest.mark.django_db
def test_prune_exports_deletes_zips_past_retention(settings, scene, project_with_roles, inline):
    settings.EXPORT_RETENTION_HOURS = 24
    video, _ = scene
    user = project_with_roles[1]["owner"]
    old = _done_export(video, user, hours_ago=25)
    fresh = _done_export(video, user, hours_ago=23)
    with inline(execute=True):  # the command runs in autocommit
        call_command("prune_exports")
    assert not default_storage.exists(old.file)
    assert not default_storage.exists(f"exports/{old.pk}")
    assert default_storage.exists(fresh.file)
    old.refresh_from_db()
    assert old.expired_at is not None and old.file == "" and old.status == "done"
    call_command("prune_exports")  # idempotent
    assert default_storage.exists(fresh.file)


@pytest.mark.django_db
def test_creating_an_export_prunes_the_projects_expired_zips(scene, project_with_roles,
                                                             client_for, inline):
    video, _ = scene
    user = project_with_roles[1]["owner"]
    old = _done_export(video, user, hours_ago=100)
    with inline(execute=True):
        r = client_for(user).post(f"/api/videos/{video.pk}/exports/", {"format": "coco"},
                                  format="json")
    assert r.status_code == 201
    assert not default_storage.exists(old.file)
    assert ExportJob.objects.get(pk=old.pk).expired_at is not None


@pytest.mark.django_db
def test_retention_zero_keeps_zips(settings, scene, project_with_roles, client_for):
    settings.EXPORT_RETENTION_HOURS = 0
    video, _ = scene
    user = project_with_roles[1]["owner"]
    old = _done_export(video, user, hours_ago=10_000)
    call_command("prune_exports")
    assert default_storage.exists(old.file)
    body = client_for(user).get(f"/api/exports/{old.pk}/").json()
    assert body["expired"] is False and body["expires_at"] is None and body["download_url"]
