"""Deleting a project or a video deletes every file it stored (uploads, all frames, export
zips, import uploads), on commit only, on any storage backend; a video deleted while it
decodes keeps no frames."""
from __future__ import annotations

import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import transaction

from webapp import storage_cleanup
from webapp.exports.models import ExportJob, ImportJob
from webapp.projects.models import Project
from webapp.videos import ingest
from webapp.videos.models import Video


@pytest.fixture
def inline_cleanup(monkeypatch, django_capture_on_commit_callbacks):
    """Run the cleanup job in this thread when the transaction commits."""
    monkeypatch.setattr(storage_cleanup, "submit", lambda task, *args: task.run(*args))
    return django_capture_on_commit_callbacks


def _stored_video(project, user, name="walk.mp4", frames=3) -> tuple[Video, list[str]]:
    """A video with an upload, `frames` frames plus one past num_frames, an export zip and
    an import upload; returns it and every storage name it owns."""
    video = Video.objects.create(project=project, name=name, status="ready",
                                 num_frames=frames, uploaded_by=user)
    video.file.save(name, ContentFile(b"not really a video"), save=True)
    names = [video.file.name]
    for n in [*range(frames), frames + 40]:  # a frame past num_frames too
        names.append(default_storage.save(video.frame_path(n), ContentFile(b"jpeg")))
    export = ExportJob.objects.create(project=project, video=video, format="davis",
                                      status="done")
    export.file = default_storage.save(f"exports/{export.pk}/walk-davis.zip",
                                       ContentFile(b"PK zip"))
    export.save(update_fields=["file"])
    names.append(export.file)
    imp = ImportJob.objects.create(project=project, video=video, format="coco",
                                   status="queued")
    imp.upload = default_storage.save(f"imports/{imp.pk}/gt.json", ContentFile(b"{}"))
    imp.save(update_fields=["upload"])
    names.append(imp.upload)
    return video, names


def _left(names) -> list[str]:
    return [n for n in names if default_storage.exists(n)]


@pytest.mark.django_db
def test_deleting_a_video_removes_its_upload_all_frames_exports_and_imports(
        project_with_roles, client_for, inline_cleanup):
    project, users = project_with_roles
    video, names = _stored_video(project, users["owner"])
    other, other_names = _stored_video(project, users["owner"], name="other.mp4")
    assert _left(names) == names
    with inline_cleanup(execute=True):
        r = client_for(users["owner"]).delete(f"/api/videos/{video.pk}/")
    assert r.status_code == 204
    assert _left(names) == []
    assert not default_storage.exists(f"frames/{video.pk}")  # the directory too
    assert _left(other_names) == other_names  # another video keeps its files


@pytest.mark.django_db
def test_deleting_a_project_removes_every_file_it_stored(project_with_roles, client_for,
                                                        inline_cleanup):
    project, users = project_with_roles
    a, names_a = _stored_video(project, users["owner"], name="a.mp4")
    b, names_b = _stored_video(project, users["owner"], name="b.mp4")
    whole = ExportJob.objects.create(project=project, format="coco", status="done")
    whole.file = default_storage.save(f"exports/{whole.pk}/shapes-coco.zip", ContentFile(b"PK"))
    whole.save(update_fields=["file"])
    other = Project.objects.create(name="Other", created_by=users["owner"])
    c, names_c = _stored_video(other, users["owner"], name="c.mp4")
    with inline_cleanup(execute=True):
        r = client_for(users["owner"]).delete(f"/api/projects/{project.pk}/")
    assert r.status_code == 204
    assert _left(names_a + names_b + [whole.file]) == []
    assert _left(names_c) == names_c


@pytest.mark.django_db
def test_a_rolled_back_delete_keeps_the_files(project_with_roles, inline_cleanup):
    project, users = project_with_roles
    video, names = _stored_video(project, users["owner"])
    pk = video.pk
    with inline_cleanup(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                video.delete()
                raise RuntimeError("the request failed after the delete")
    assert callbacks == []
    assert Video.objects.filter(pk=pk).exists()
    assert _left(names) == names


@pytest.mark.django_db
def test_a_storage_failure_is_logged_and_the_delete_still_succeeds(
        project_with_roles, client_for, inline_cleanup, monkeypatch, caplog):
    project, users = project_with_roles
    video, names = _stored_video(project, users["owner"])

    def broken(name):
        raise OSError("the bucket said no")

    monkeypatch.setattr(default_storage, "delete", broken)
    with caplog.at_level(logging.WARNING, logger="webapp.storage_cleanup"):
        with inline_cleanup(execute=True):
            r = client_for(users["owner"]).delete(f"/api/videos/{video.pk}/")
    assert r.status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert "could not delete" in caplog.text


@pytest.mark.django_db
def test_cleanup_uses_only_the_storage_api(settings, project_with_roles, client_for,
                                           inline_cleanup):
    """An in-memory storage has no paths on disk, like S3: deletion must list and delete."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    project, users = project_with_roles
    video, names = _stored_video(project, users["owner"])
    assert type(storages["default"]).__name__ == "InMemoryStorage"
    assert not any(settings.MEDIA_ROOT.iterdir())  # nothing on disk to os.remove
    with inline_cleanup(execute=True):
        r = client_for(users["owner"]).delete(f"/api/projects/{project.pk}/")
    assert r.status_code == 204
    assert _left(names) == []
    assert default_storage.listdir("frames") == ([], [])


@pytest.mark.django_db
def test_a_video_deleted_while_decoding_keeps_no_frames(project_with_roles, monkeypatch,
                                                       inline_cleanup):
    project, users = project_with_roles
    video = Video.objects.create(project=project, name="long.mp4", uploaded_by=users["owner"])
    default_storage.save(video.frame_path(0), ContentFile(b"jpeg"))
    written = []

    def decoding(video_id):
        # The user deletes the video mid-decode: its cleanup runs at once...
        with inline_cleanup(execute=True):
            Video.objects.get(pk=video_id).delete()
        # ...and the decoder goes on writing frames afterwards.
        for n in range(1, 5):
            written.append(default_storage.save(video.frame_path(n), ContentFile(b"jpeg")))
        Video.objects.filter(pk=video_id).update(status="ready", num_frames=5)  # 0 rows

    monkeypatch.setattr(ingest, "run_ingest", decoding)
    ingest.ingest_task.run(video.pk)
    assert len(written) == 4
    assert _left(written) == []
    assert not default_storage.exists(f"frames/{video.pk}")


@pytest.mark.django_db
def test_an_export_finishing_after_its_video_was_deleted_leaves_no_zip(project_with_roles):
    from webapp.exports import tasks

    project, users = project_with_roles
    video = Video.objects.create(project=project, name="v.mp4", status="ready", num_frames=1)
    job = ExportJob.objects.create(project=project, video=video, format="davis")
    # The writer stored the zip just as the video (and so the job row) was deleted.
    zip_name = default_storage.save(f"exports/{job.pk}/v-davis.zip", ContentFile(b"PK"))
    Video.objects.filter(pk=video.pk).delete()
    assert tasks.run_export.run(job.pk) == "deleted"
    assert not default_storage.exists(zip_name)


@pytest.mark.django_db
def test_prune_exports_orphans_sweeps_files_no_row_owns(project_with_roles):
    from django.core.management import call_command

    project, users = project_with_roles
    live, live_names = _stored_video(project, users["owner"])
    orphans = [
        default_storage.save("frames/999999/000000.jpg", ContentFile(b"jpeg")),
        default_storage.save("exports/999999/gone.zip", ContentFile(b"PK")),
        default_storage.save("imports/999999/gone.json", ContentFile(b"{}")),
        default_storage.save("uploads/2020/01/forgotten.mp4", ContentFile(b"video")),
    ]
    call_command("prune_exports", "--orphans", "--min-age", "0", "--dry-run")
    assert _left(orphans) == orphans
    call_command("prune_exports", "--orphans", "--min-age", "0")
    assert _left(orphans) == []
    assert _left(live_names) == live_names
