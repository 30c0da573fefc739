"""Ingest: probe an upload at once, then decode it to frame JPEGs in the background.

Probing and decoding run in a child process (webapp.videos.decode) started through
webapp.sandbox: an address-space limit (INGEST_MAX_MEMORY_MB), a CPU-time limit and a
wall-clock timer (INGEST_TIMEOUT_S) that kills the child's process group even if it never
prints, so a hostile or hanging file is killed and marked failed, and never takes the
server down. Pictures over INGEST_MAX_WIDTH x INGEST_MAX_HEIGHT are refused at probe time."""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

from webapp.realtime import events
from webapp.sandbox import Limits, spawn
from webapp.videos.models import Video, VideoStatus
from webapp.videos.poster import pick_poster

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 30


class IngestError(Exception):
    pass


def _child(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "webapp.videos.decode", *args]


def _limits(wall_s: float) -> Limits:
    return Limits(memory_mb=settings.INGEST_MAX_MEMORY_MB, cpu_s=settings.INGEST_MAX_CPU_S,
                  wall_s=wall_s)


def _resolution() -> list[str]:
    return [str(settings.INGEST_MAX_WIDTH), str(settings.INGEST_MAX_HEIGHT)]


def _zip_caps() -> list[str]:
    """The image-sequence zip caps (webapp.videos.images), passed to the child."""
    return [str(settings.INGEST_ZIP_MAX_ENTRIES), str(settings.INGEST_ZIP_MAX_EXPANDED_MB)]


def _messages(child):
    """JSON messages from the child's stdout (garbage lines are skipped)."""
    for line in child.lines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(msg, dict):
            yield msg


def probe_file(path: str) -> dict:
    """Probe in a limited child process; returns the probe dict or raises
    IngestError(readable)."""
    from webapp.videos.images import sniff

    # A zip's probe reads every entry through to its CRC, so it may take longer.
    wall = PROBE_TIMEOUT_S
    if sniff(path) == "image_sequence":
        wall = settings.INGEST_ZIP_PROBE_TIMEOUT_S
    with spawn(_child(["--probe", path, *_resolution(), str(settings.INGEST_MAX_FRAMES),
                       *_zip_caps()]), _limits(wall), cwd=settings.BASE_DIR) as child:
        result = None
        for msg in _messages(child):
            if "probe" in msg or "error" in msg:
                result = msg
        child.wait()
    if result is not None and "probe" in result:
        return result["probe"]
    if result is not None:
        raise IngestError(result["error"])
    if child.timed_out:
        if wall != PROBE_TIMEOUT_S:
            raise IngestError(f"checking the zip's images took longer than {wall} s "
                              "(INGEST_ZIP_PROBE_TIMEOUT_S)")
        raise IngestError("the file took too long to open; it is probably not a valid video")
    log.warning("probe crashed (rc=%s): %s", child.proc.returncode, child.stderr_tail())
    if "memory" in child.failure("x"):
        raise IngestError(f"opening the file needed more than {settings.INGEST_MAX_MEMORY_MB} MB")
    raise IngestError("the file could not be read as a video")


def _frames_dir(video: Video) -> tuple[Path, bool]:
    """Where the child writes JPEGs: straight into MEDIA_ROOT for local storage,
    else a temp dir that is uploaded afterwards."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.path(f"frames/{video.pk}")), True
    return Path(tempfile.mkdtemp(prefix=f"maskflow-frames-{video.pk}-")), False


def _local_source(video: Video) -> tuple[str, bool]:
    try:
        return video.file.path, False
    except NotImplementedError:  # remote storage: copy to a temp file for libav
        fd, tmp = tempfile.mkstemp(suffix=Path(video.file.name).suffix)
        with os.fdopen(fd, "wb") as out, video.file.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        return tmp, True


def run_ingest(video_id: int) -> None:
    video = Video.objects.get(pk=video_id)
    src, src_is_temp = _local_source(video)
    out_dir, in_place = _frames_dir(video)
    if in_place and out_dir.exists():
        shutil.rmtree(out_dir)
    # The timer in the sandbox kills the child's process group at the deadline, even if
    # it never prints; the loop below then ends.
    child = spawn(
        _child([src, str(out_dir), str(settings.JPEG_QUALITY), str(settings.INGEST_MAX_FRAMES),
                *_resolution(), str(video.fps or 24.0), *_zip_caps()]),
        _limits(settings.INGEST_TIMEOUT_S), cwd=settings.BASE_DIR,
    )
    result: dict | None = None
    last_write = 0.0
    try:
        for msg in _messages(child):
            if "progress" in msg:
                total = msg.get("total") or 0
                pct = min(99.0, 100.0 * msg["progress"] / total) if total else 0.0
                now = time.monotonic()
                if now - last_write > 0.25:
                    Video.objects.filter(pk=video_id).update(progress=round(pct, 1))
                    last_write = now
            elif "manifest" in msg or "error" in msg:
                result = msg
        child.wait()
        if child.timed_out:
            raise IngestError(f"decoding took longer than {settings.INGEST_TIMEOUT_S} s")
        if result is None:
            log.warning("decoder of video %s ended (rc=%s): %s", video_id,
                        child.proc.returncode, child.stderr_tail())
            raise IngestError(child.failure("the decoder"))
        if "error" in result:
            raise IngestError(result["error"])
        m = result["manifest"]
        poster = pick_poster(out_dir, m["num_frames"])
        if not in_place:
            for i in range(m["num_frames"]):
                name = f"{i:06d}.jpg"
                with open(out_dir / name, "rb") as fh:
                    default_storage.save(video.frame_path(i), fh)
        Video.objects.filter(pk=video_id).update(
            status=VideoStatus.READY, progress=100.0, error="", warning=m["warning"],
            num_frames=m["num_frames"], width=m["width"], height=m["height"], fps=m["fps"],
            duration=m["duration"], rotation=m["rotation"], timestamps=m["timestamps"],
            source_kind=m.get("kind", "video"), poster_frame=poster,
            # One picture keeps the name it was uploaded as (the stored file may be renamed).
            frame_names=[video.name] if m.get("kind") == "image" else m.get("frame_names", []),
        )
        log.info("ingested video %s: %s frames", video_id, m["num_frames"])
        events.video_listed(video, "video.ready")  # the project page shows it at once
    except IngestError as e:
        child.kill()
        msg = str(e)
        Video.objects.filter(pk=video_id).update(status=VideoStatus.FAILED, error=msg)
        log.warning("ingest of video %s failed: %s", video_id, msg)
        events.video_listed(video, "video.failed", error=msg)
    except Exception:
        child.kill()
        msg = "internal error while decoding (see server log)"
        Video.objects.filter(pk=video_id).update(status=VideoStatus.FAILED, error=msg)
        events.video_listed(video, "video.failed", error=msg)
        raise
    finally:
        child.close()
        if src_is_temp:
            os.unlink(src)
        if not in_place:
            shutil.rmtree(out_dir, ignore_errors=True)


@shared_task(name="videos.ingest")
def ingest_task(video_id: int) -> None:
    from webapp.videos.queue import mark_started

    mark_started(video_id)
    try:
        run_ingest(video_id)
    finally:
        # --- storage cleanup (issue 12): a video deleted while it was decoding keeps no
        # frames written after its delete's own cleanup listed frames/<id>/.
        from webapp.storage_cleanup import remove_frames_if_video_gone

        remove_frames_if_video_gone(video_id)
