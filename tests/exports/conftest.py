"""Fixtures for export/import/evaluation tests: ready videos with JPEG frames in storage
and masklets with known masks, all made directly through the ORM."""
from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from webapp.annotations.models import FrameMask, MaskSource, Object
from webapp.exports import masks as M
from webapp.exports.models import ExportJob
from webapp.projects.models import LabelClass
from webapp.videos.models import Video, VideoStatus


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The shared fixtures create six users; PBKDF2 would spend seconds per test on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def disc(h, w, cx, cy, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r).astype(np.uint8)


def rect(h, w, x0, y0, x1, y1):
    m = np.zeros((h, w), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


@pytest.fixture(scope="session")
def datumaro_python() -> str:
    """A Python with Datumaro, in its own venv (built once, see tests/readers_venv.py).
    Under CI=true a build failure fails the test; locally (e.g. offline) it skips."""
    from tests.readers_venv import Unavailable, datumaro_python

    try:
        return datumaro_python()
    except Unavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the Datumaro readers venv could not be built: {exc}")
        pytest.skip(f"the Datumaro readers venv could not be built (offline?): {exc}")


@pytest.fixture
def make_video(project_with_roles):
    project, users = project_with_roles

    def make(num_frames=10, width=64, height=48, name="walk.mp4", project=project):
        video = Video.objects.create(
            project=project, name=name, status=VideoStatus.READY, fps=24.0,
            num_frames=num_frames, width=width, height=height, uploaded_by=users["owner"],
        )
        for n in range(num_frames):
            img = Image.new("RGB", (width, height), (n * 20 % 256, 80, 120))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=80)
            default_storage.save(video.frame_path(n), ContentFile(buf.getvalue()))
        return video

    return make


@pytest.fixture
def add_object(project_with_roles):
    project, users = project_with_roles

    def add(video, masks: dict[int, np.ndarray], label: str | None = None, name="",
            review_status="draft", user="annotator", source=MaskSource.PROPAGATION):
        lc = LabelClass.objects.get(project=video.project, name=label) if label else None
        obj = Object.objects.create(video=video, label=lc, name=name, review_status=review_status,
                                    created_by=users[user] if user else None)
        for f, m in masks.items():
            rle = M.encode(m)
            FrameMask.objects.create(object=obj, video=video, frame=f, rle=rle, area=M.area(rle),
                                     bbox=M.bbox(rle), source=source, score=0.9)
        return obj

    return add


@pytest.fixture
def scene(make_video, add_object):
    """A 10-frame 64x48 video with two disjoint masklets (a moving disc labelled 'disc',
    a box labelled 'box') and an unlabelled accepted masklet on a few frames."""
    video = make_video()
    h, w = video.height, video.width
    d = add_object(video, {f: disc(h, w, 10 + 3 * f, 14, 6) for f in range(10)}, "disc", "ball")
    b = add_object(video, {f: rect(h, w, 40 - 2 * f, 28, 56 - 2 * f, 44) for f in range(0, 10, 2)},
                   "box", "crate")
    u = add_object(video, {f: rect(h, w, 2, 36, 8, 46) for f in (1, 2, 3)}, None, "thing",
                   review_status="accepted")
    return video, [d, b, u]


def export_zip(video_or_project, fmt: str, **options) -> zipfile.ZipFile:
    """Run an export job synchronously and open its zip from storage."""
    from webapp.exports.exporter import run_export

    if isinstance(video_or_project, Video):
        job = ExportJob.objects.create(project=video_or_project.project, video=video_or_project,
                                       format=fmt, options=options)
    else:
        job = ExportJob.objects.create(project=video_or_project, format=fmt, options=options)
    job = run_export(job.pk)
    assert job.status == "done", job.error
    with default_storage.open(job.file, "rb") as f:
        return zipfile.ZipFile(io.BytesIO(f.read()))


def stored_masks(video) -> dict[tuple[int, int], np.ndarray]:
    """{(object number 1..N in id order, frame): mask} of a video's live objects."""
    objs = list(Object.objects.filter(video=video, deleted=False).order_by("id"))
    out = {}
    for n, o in enumerate(objs, start=1):
        for fm in FrameMask.objects.filter(object=o):
            m = M.decode(fm.rle)
            if m.any():
                out[(n, fm.frame)] = m
    return out
