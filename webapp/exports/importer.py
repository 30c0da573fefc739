"""Run one import job: parse the stored upload through SafeArchive and a format reader in
a sandboxed child (memory, CPU and wall-clock limits: IMPORT_MAX_MEMORY_MB,
IMPORT_MAX_CPU_S, IMPORT_TIMEOUT_S), which writes the tracks and RLE masks it found to a
file; then create the objects and masks (source `import`) in one transaction here."""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from webapp.annotations.models import FrameMask, MaskSource, Object
from webapp.annotations.seq import next_seq
from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, limits
from webapp.exports.formats.base import UNLABELED
from webapp.exports.formats.reader import Track
from webapp.exports.models import ImportJob, JobStatus
from webapp.projects.models import PALETTE, LabelClass
from webapp.sandbox import Limits, SandboxError, call

log = logging.getLogger(__name__)
BATCH = 1000


class ParsedReader:
    """The child's output file read back as a reader: `tracks` (declared ones first),
    then `masks()` in the child's order; tracks met on the way are added as they come."""

    def __init__(self, path: str, notes: list[str] | None = None) -> None:
        self._f = open(path)
        self.notes = [str(n)[:500] for n in notes or []]  # what the reader left out, and why
        self.tracks: dict[int, Track] = {}
        self._next = None
        for line in self._f:
            rec = json.loads(line)
            if isinstance(rec, dict):
                self._add(rec)
            else:
                self._next = rec
                break

    def _add(self, rec: dict) -> None:
        self.tracks[rec["t"]] = Track(rec["key"], rec["name"], rec["category"])

    def masks(self):
        if self._next is not None:
            yield tuple(self._next)
        for line in self._f:
            rec = json.loads(line)
            if isinstance(rec, dict):
                self._add(rec)
            else:
                yield tuple(rec)

    def close(self) -> None:
        self._f.close()


def _parse_in_child(job: ImportJob, workdir: str) -> ParsedReader:
    try:
        src = default_storage.path(job.upload)
    except NotImplementedError:  # remote storage: a local copy for the child
        src = os.path.join(workdir, "upload")
        with default_storage.open(job.upload, "rb") as f, open(src, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
    out = os.path.join(workdir, "parsed.jsonl")
    video = job.video
    payload = {
        "format": job.format, "path": src, "filename": job.filename, "out": out,
        "caps": list(limits()),
        "settings": {"IMPORT_MAX_PIXELS": settings.IMPORT_MAX_PIXELS},
        "video": {"pk": video.pk, "name": video.name, "num_frames": video.num_frames,
                  "width": video.width, "height": video.height},
    }
    lim = Limits(memory_mb=settings.IMPORT_MAX_MEMORY_MB, cpu_s=settings.IMPORT_MAX_CPU_S,
                 wall_s=settings.IMPORT_TIMEOUT_S, file_mb=settings.IMPORT_MAX_EXPANDED_MB)
    result = call("webapp.exports.parse_child:parse_upload", payload, lim,
                  what="reading the upload", cwd=str(settings.BASE_DIR))
    notes = result.get("notes") if isinstance(result, dict) else None
    return ParsedReader(out, notes if isinstance(notes, list) else None)


def run_import(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("video", "project").get(pk=job_id)

    def work() -> dict:
        try:
            with tempfile.TemporaryDirectory(prefix=f"maskflow-import-{job.pk}-") as workdir:
                reader = _parse_in_child(job, workdir)
                try:
                    return {"result": _store(job, reader)}
                finally:
                    reader.close()
        finally:
            # The upload is only needed while importing.
            try:
                default_storage.delete(job.upload)
            except Exception:  # noqa: BLE001 - cleanup must not mask the result
                log.warning("could not delete import upload %s", job.upload)

    was = job.status
    job.run(work, expected=(ArchiveError, SandboxError))
    if job.status == JobStatus.DONE and was != JobStatus.DONE:
        _announce(job, job.result["object_ids"])
        _score(job)
    return job


def _store(job: ImportJob, reader) -> dict:
    video = job.video
    labels = {lc.name.lower(): lc for lc in LabelClass.objects.filter(project=job.project)}
    warnings: list[str] = list(getattr(reader, "notes", []))
    with transaction.atomic():
        existing = Object.objects.filter(video=video).count()
        objects: dict[object, Object] = {}

        def make(key) -> Object:
            t = reader.tracks.get(key)
            category = t.category if t else None
            if category == UNLABELED:
                category = None
            label = labels.get(category.lower()) if category else None
            if category and label is None:
                msg = (f"category {category!r} is not a label of this project; "
                       "its objects were imported without a label")
                if msg not in warnings:
                    warnings.append(msg)
            n = existing + len(objects)
            shown = t.key if t else key  # the track's id in the file
            name = (t.name if t else None) or (f"{category} {shown}" if category else f"imported {shown}")
            obj = Object.objects.create(
                video=video, label=label, name=str(name)[:200],
                color=label.color if label else PALETTE[n % len(PALETTE)],
                created_by=job.created_by, seq=next_seq(video.pk),
            )
            objects[key] = obj
            return obj

        for key in list(reader.tracks):
            make(key)
        masks_by_key: dict[object, int] = {}
        batch: list[FrameMask] = []
        seen: dict[tuple, FrameMask] = {}
        done: set[tuple] = set()
        frames = set()
        cur_frame, cur_seq = None, 0
        for frame, key, rle in reader.masks():
            obj = objects.get(key) or make(key)
            if frame != cur_frame:
                cur_frame, cur_seq = frame, next_seq(video.pk)
                if len(batch) >= BATCH:
                    FrameMask.objects.bulk_create(batch)
                    batch, seen = [], {}
            if (obj.pk, frame) in done:  # the same track twice on a frame: union
                prev = seen.get((obj.pk, frame))
                if prev is None:  # already written in an earlier batch
                    prev = FrameMask.objects.get(object=obj, frame=frame)
                    prev.rle = M.union(prev.rle, rle)
                    prev.area, prev.bbox = M.area(prev.rle), M.bbox(prev.rle)
                    prev.save(update_fields=["rle", "area", "bbox"])
                else:
                    prev.rle = M.union(prev.rle, rle)
                    prev.area, prev.bbox = M.area(prev.rle), M.bbox(prev.rle)
                continue
            done.add((obj.pk, frame))
            fm = FrameMask(object=obj, video=video, frame=frame, rle=rle, area=M.area(rle),
                           bbox=M.bbox(rle), source=MaskSource.IMPORT, seq=cur_seq,
                           author=job.created_by)
            seen[(obj.pk, frame)] = fm
            batch.append(fm)
            frames.add(frame)
            masks_by_key[key] = masks_by_key.get(key, 0) + 1
        if batch:
            FrameMask.objects.bulk_create(batch)
        # Declared tracks that never had a mask are not worth an empty object.
        empty = [o.pk for k, o in objects.items() if not masks_by_key.get(k)]
        if empty:
            names = [o.name for k, o in objects.items() if not masks_by_key.get(k)]
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            warnings.append(f"{len(empty)} track(s) had no mask on any frame and were skipped: {shown}")
        Object.objects.filter(pk__in=empty).delete()
        kept = [o for k, o in objects.items() if masks_by_key.get(k)]
        job.created_objects.set(kept)
    return {
        "objects": len(kept),
        "masks": sum(masks_by_key.values()),
        "frames": len(frames),
        "object_ids": [o.pk for o in kept],
        "warnings": warnings,
    }


def _score(job: ImportJob) -> None:
    """Quality flags of the imported masklets (webapp.review.flagstore; best effort)."""
    try:
        from webapp.review.flagstore import ensure_current

        ensure_current(job.video)
    except Exception:  # noqa: BLE001 - flags are rescored on the next read anyway
        log.warning("could not score import %s's masks", job.pk, exc_info=True)


def _announce(job: ImportJob, object_ids: list[int]) -> None:
    """Tell the video's room, as live messages in seq order (object.created, then one
    `masks` per frame). Best effort: the channel layer may drop, and clients recover
    through `sync`, which replays the same messages from the database."""
    try:
        from webapp.realtime.events import emit, masks_event, object_event
    except Exception:  # noqa: BLE001 - the realtime app is optional to an import
        return
    by = job.created_by.get_username() if job.created_by_id else None
    try:
        for obj in Object.objects.filter(pk__in=object_ids).select_related("label").order_by("seq"):
            emit(job.video_id, object_event("object.created", obj, by))
        rows = (FrameMask.objects.filter(object_id__in=object_ids).order_by("seq", "frame", "object_id")
                .values_list("seq", "frame", "object_id", "rle", "score").iterator(chunk_size=1000))
        key, batch = None, []
        for seq, frame, oid, rle, score in rows:
            if key is not None and key != (seq, frame):
                emit(job.video_id, masks_event(key[0], key[1], MaskSource.IMPORT, by, batch))
                batch = []
            key = (seq, frame)
            batch.append({"object_id": oid, "rle": rle, "score": score})
        if batch:
            emit(job.video_id, masks_event(key[0], key[1], MaskSource.IMPORT, by, batch))
    except Exception:  # noqa: BLE001
        log.warning("could not announce import %s to the room", job.pk, exc_info=True)
