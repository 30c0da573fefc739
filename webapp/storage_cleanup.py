"""Delete what a video, project, export or import left in default_storage, once the delete commits.

Only the Storage API is used (listdir, exists, delete), never os.remove, so the same code
cleans the local media dir and an S3 bucket (django-storages). Directories are walked by
listing them, never guessed from counts: a video may have frames past num_frames.

Where files live (every `default_storage.save` and `upload_to` in the code base):
- `Video.file`: the upload, `uploads/%Y/%m/<name>`;
- `frames/<video id>/`: the decoded JPEGs;
- `exports/<export id>/`: the export zip (`ExportJob.file`);
- `imports/<import id>/`: the import upload (`ImportJob.upload`; the importer also drops it
  when it finishes).

Rows are deleted by Django's cascade (a project takes its videos, a video its exports and
imports); `post_delete` receivers (connected by `connect()` from the exports app) register
the file deletion with `transaction.on_commit`, so a rolled-back delete keeps its files.
The deletion itself runs as a background job (`storage.delete_files`, queue `cpu`): a long
video on S3 is thousands of requests. Failures are logged, never raised; `manage.py
prune_exports --orphans` sweeps whatever a failure or a crash left.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils import timezone

from webapp.jobs import submit

log = logging.getLogger(__name__)


def frames_dir(video_id: int) -> str:
    return f"frames/{video_id}"


def export_dir(job_id: int) -> str:
    return f"exports/{job_id}"


def import_dir(job_id: int) -> str:
    return f"imports/{job_id}"


# --------------------------------------------------------------------------- deleting
def delete_name(name: str) -> bool:
    """Delete one stored file; a missing one is fine. False (logged) when storage failed."""
    if not name:
        return True
    try:
        default_storage.delete(name)
        return True
    except Exception:  # noqa: BLE001 - cleanup never breaks the caller
        log.warning("could not delete %s from storage", name, exc_info=True)
        return False


def delete_tree(prefix: str) -> int:
    """Delete every file under the directory `prefix`; returns how many were deleted."""
    prefix = prefix.strip("/")
    if not prefix:
        raise ValueError("refusing to delete the whole storage")
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    except Exception:  # noqa: BLE001
        log.warning("could not list %s in storage", prefix, exc_info=True)
        return 0
    deleted = sum(delete_name(f"{prefix}/{f}") for f in files)
    for d in dirs:
        deleted += delete_tree(f"{prefix}/{d}")
    # Local storage keeps the emptied directory; an object store has none (exists() is False).
    try:
        if default_storage.exists(prefix):
            default_storage.delete(prefix)
    except Exception:  # noqa: BLE001 - e.g. a decoder wrote a file since we listed
        log.warning("could not remove the directory %s from storage", prefix, exc_info=True)
    return deleted


def delete_files(names: Iterable[str] = (), dirs: Iterable[str] = ()) -> int:
    """Delete the given files and directory trees now; returns how many files went."""
    deleted = sum(1 for n in names if n and delete_name(n))
    for d in dirs:
        deleted += delete_tree(d)
    return deleted


def delete_on_commit(names: Iterable[str] = (), dirs: Iterable[str] = (), *,
                     inline: bool = False, using: str | None = None) -> None:
    """Delete these files once the current transaction commits (at once outside one).

    `inline`: delete in this thread (callers that already run in a background job);
    else hand the work to the `storage.delete_files` job. Errors are logged, not raised."""
    names, dirs = [n for n in names if n], [d for d in dirs if d]
    if not names and not dirs:
        return

    def go() -> None:
        if inline:
            delete_files(names, dirs)
            return
        from webapp.exports.tasks import delete_files as task

        try:
            submit(task, names, dirs)
        except Exception:  # noqa: BLE001 - e.g. the broker is down: the sweep will find them
            log.error("could not queue the deletion of %s %s; run `manage.py prune_exports "
                      "--orphans` later", names, dirs, exc_info=True)

    transaction.on_commit(go, using=using, robust=True)


# --------------------------------------------------------------------------- what belongs to what
def video_files(video) -> tuple[list[str], list[str]]:
    return ([video.file.name] if video.file else []), [frames_dir(video.pk)]


def export_files(job) -> tuple[list[str], list[str]]:
    return ([job.file] if job.file else []), [export_dir(job.pk)]


def import_files(job) -> tuple[list[str], list[str]]:
    return ([job.upload] if job.upload else []), [import_dir(job.pk)]


def _on_video_deleted(sender, instance, using, **kwargs) -> None:
    delete_on_commit(*video_files(instance), using=using)


def _on_export_deleted(sender, instance, using, **kwargs) -> None:
    delete_on_commit(*export_files(instance), using=using)


def _on_import_deleted(sender, instance, using, **kwargs) -> None:
    delete_on_commit(*import_files(instance), using=using)


def connect() -> None:
    """Connect the post_delete receivers (called once from an AppConfig.ready)."""
    from webapp.exports.models import ExportJob, ImportJob
    from webapp.videos.models import Video

    post_delete.connect(_on_video_deleted, sender=Video, dispatch_uid="cleanup-video")
    post_delete.connect(_on_export_deleted, sender=ExportJob, dispatch_uid="cleanup-export")
    post_delete.connect(_on_import_deleted, sender=ImportJob, dispatch_uid="cleanup-import")


def remove_frames_if_video_gone(video_id: int) -> int:
    """For the ingest job, when it ends: a video deleted while it was being decoded must not
    keep the frames written after the delete's own cleanup listed the directory."""
    from webapp.videos.models import Video

    if Video.objects.filter(pk=video_id).exists():
        return 0
    n = delete_tree(frames_dir(video_id))
    if n:
        log.info("video %s was deleted while decoding: removed %s frames", video_id, n)
    return n


# --------------------------------------------------------------------------- orphan sweep
def _ids(top: str) -> list[int]:
    try:
        dirs, _ = default_storage.listdir(top)
    except FileNotFoundError:
        return []
    return sorted(int(d) for d in dirs if d.isdigit())


def _old_enough(name: str, cutoff) -> bool:
    try:
        return default_storage.get_modified_time(name) < cutoff
    except (NotImplementedError, FileNotFoundError, OSError):
        return False


def _walk_files(prefix: str) -> Iterable[str]:
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for f in files:
        yield f"{prefix}/{f}"
    for d in dirs:
        yield from _walk_files(f"{prefix}/{d}")


def sweep_orphans(min_age_s: int = 3600, dry_run: bool = False) -> dict[str, int]:
    """Delete stored files that no row owns any more (left by a crash, a failed deletion or
    a version of Maskflow that never deleted files). Uploads younger than `min_age_s` are
    kept: their video row may not be committed yet. Returns files deleted per kind."""
    from webapp.exports.models import ExportJob, ImportJob
    from webapp.videos.models import Video

    report = {"frames": 0, "exports": 0, "imports": 0, "uploads": 0}
    kinds = (
        ("frames", Video.objects.all()),
        # An expired export keeps its row, never its zip.
        ("exports", ExportJob.objects.filter(expired_at__isnull=True)),
        ("imports", ImportJob.objects.all()),
    )
    for top, live in kinds:
        ids = _ids(top)
        alive = set(live.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        for i in ids:
            if i not in alive:
                if dry_run:
                    report[top] += sum(1 for _ in _walk_files(f"{top}/{i}"))
                else:
                    report[top] += delete_tree(f"{top}/{i}")
    cutoff = timezone.now() - timedelta(seconds=min_age_s)
    owned = set(Video.objects.exclude(file="").values_list("file", flat=True))
    for name in _walk_files("uploads"):
        if name not in owned and _old_enough(name, cutoff):
            report["uploads"] += 1 if dry_run else int(delete_name(name))
    return report
