"""Realtime fixtures: a ready video whose frames are written straight to storage (no ingest),
fast password hashing, and no inference thread left holding a database connection."""
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from webapp.videos.models import Video
from webapp.videos.synthetic import render_frame


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _drain_inference_thread():
    yield
    from webapp.realtime import dispatch

    if dispatch._thread is not None and dispatch._thread.is_alive():
        assert dispatch._thread.drain(60), "the inference thread did not go idle"
    from webapp.review import flagstore

    # The deferred quality-flag scoring writes too: a TRUNCATE beside it can deadlock.
    assert flagstore.wait_idle(60), "the quality-flag rescorer did not go idle"


def make_ready_video(project, num_frames=24, width=160, height=120, fps=24.0) -> Video:
    video = Video.objects.create(project=project, name="synthetic", status="processing")
    for i in range(num_frames):
        buf = io.BytesIO()
        Image.fromarray(render_frame(i, width, height, num_frames)).save(buf, "JPEG", quality=90)
        default_storage.save(video.frame_path(i), ContentFile(buf.getvalue()))
    Video.objects.filter(pk=video.pk).update(status="ready", num_frames=num_frames, width=width,
                                             height=height, fps=fps)
    video.refresh_from_db()
    return video


@pytest.fixture
def room(project_with_roles):
    project, users = project_with_roles
    return make_ready_video(project), users
