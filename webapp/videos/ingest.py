"""Ingest: probe an upload at once, then decode it to frame JPEGs in the background.

Decoding runs in a child process (webapp.videos.decode) under a timeout, so a hostile or
hanging file is killed and marked failed, and never takes the server down."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

from webapp.videos.models import Video, VideoStatus

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 30


class IngestError(Exception):
    pass


def _child(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "webapp.videos.decode", *args]


def probe_file(path: str) -> dict:
    """Probe in a child process; returns the probe dict or raises IngestError(readable)."""
    try:
        proc = subprocess.run(
            _child(["--probe", path]), capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
            cwd=settings.BASE_DIR,
        )
    except subprocess.TimeoutExpired:
        raise IngestError("the file took too long to open; it is probably not a valid video")
    for line in reversed(proc.stdout.strip().splitlines()):
        msg = json.loads(line)
        if "probe" in msg:
            return msg["probe"]
        if "error" in msg:
            raise IngestError(msg["error"])
    log.warning("probe crashed (rc=%s): %s", proc.returncode, proc.stderr[-2000:])
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
    deadline = time.monotonic() + settings.INGEST_TIMEOUT_S
    proc = subprocess.Popen(
        _child([src, str(out_dir), str(settings.JPEG_QUALITY), str(settings.INGEST_MAX_FRAMES)]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=settings.BASE_DIR,
    )
    result: dict | None = None
    last_write = 0.0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if time.monotonic() > deadline:
                proc.kill()
                raise IngestError(f"decoding took longer than {settings.INGEST_TIMEOUT_S} s")
            msg = json.loads(line)
            if "progress" in msg:
                total = msg.get("total") or 0
                pct = min(99.0, 100.0 * msg["progress"] / total) if total else 0.0
                now = time.monotonic()
                if now - last_write > 0.25:
                    Video.objects.filter(pk=video_id).update(progress=round(pct, 1))
                    last_write = now
            else:
                result = msg
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        if result is None:
            raise IngestError("the decoder crashed on this file")
        if "error" in result:
            raise IngestError(result["error"])
        m = result["manifest"]
        if not in_place:
            for i in range(m["num_frames"]):
                name = f"{i:06d}.jpg"
                with open(out_dir / name, "rb") as fh:
                    default_storage.save(video.frame_path(i), fh)
        Video.objects.filter(pk=video_id).update(
            status=VideoStatus.READY, progress=100.0, error="", warning=m["warning"],
            num_frames=m["num_frames"], width=m["width"], height=m["height"], fps=m["fps"],
            duration=m["duration"], rotation=m["rotation"], timestamps=m["timestamps"],
        )
        log.info("ingested video %s: %s frames", video_id, m["num_frames"])
    except (IngestError, subprocess.TimeoutExpired) as e:
        proc.kill()
        msg = str(e) if isinstance(e, IngestError) else "decoding timed out"
        Video.objects.filter(pk=video_id).update(status=VideoStatus.FAILED, error=msg)
        log.warning("ingest of video %s failed: %s", video_id, msg)
    except Exception:
        proc.kill()
        Video.objects.filter(pk=video_id).update(
            status=VideoStatus.FAILED, error="internal error while decoding (see server log)"
        )
        raise
    finally:
        if src_is_temp:
            os.unlink(src)
        if not in_place:
            shutil.rmtree(out_dir, ignore_errors=True)


@shared_task(name="videos.ingest")
def ingest_task(video_id: int) -> None:
    run_ingest(video_id)
