"""Untrusted videos: pictures over the resolution limit are refused at probe time with a
precise 400, and the decode child is killed on the wall clock even when it never prints
(a hard timeout, not one checked between progress lines)."""
import io
import sys
import threading
import time

import pytest

from webapp.videos import ingest
from webapp.videos.models import Video, VideoStatus
from webapp.videos.synthetic import write_video

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(client, project, path, name="clip.mp4"):
    f = io.BytesIO(path.read_bytes())
    f.name = name
    return client.post(f"/api/projects/{project.pk}/videos/", {"file": f}, format="multipart")


@pytest.fixture
def owner(project_with_roles, client_for):
    project, users = project_with_roles
    return project, client_for(users["owner"])


def test_a_video_over_the_resolution_limit_is_a_precise_400(owner, settings, tmp_path):
    settings.INGEST_MAX_WIDTH, settings.INGEST_MAX_HEIGHT = 320, 240
    project, c = owner
    path = write_video(tmp_path / "big.mp4", num_frames=3, width=640, height=480)
    resp = _upload(c, project, path)
    assert resp.status_code == 400, resp.content
    assert "640×480 exceeds the 320×240 limit" in resp.json()["detail"]
    assert not Video.objects.exists()


def test_a_portrait_video_within_the_limit_turned_is_accepted(owner, settings, tmp_path):
    settings.INGEST_MAX_WIDTH, settings.INGEST_MAX_HEIGHT = 320, 240
    project, c = owner
    path = write_video(tmp_path / "tall.mp4", num_frames=3, width=240, height=320)
    assert ingest.probe_file(str(path))["height"] == 320


def test_the_probe_refuses_from_the_header_of_an_8k_square_video(settings, tmp_path):
    """8192×8192 is refused before its first frame is decoded (default 3840×2160)."""
    import av
    import numpy as np

    path = tmp_path / "huge.mp4"
    with av.open(str(path), mode="w") as out:
        s = out.add_stream("libx264", rate=24)
        s.width = s.height = 8192
        s.pix_fmt = "yuv420p"
        s.options = {"preset": "ultrafast"}
        frame = av.VideoFrame.from_ndarray(np.full((8192, 8192, 3), 90, np.uint8), format="rgb24")
        for p in s.encode(frame):
            out.mux(p)
        for p in s.encode():
            out.mux(p)
    with pytest.raises(ingest.IngestError, match="8192×8192 exceeds the 3840×2160 limit"):
        ingest.probe_file(str(path))


def _make_video(project_with_roles, tmp_path):
    from django.core.files import File

    project, users = project_with_roles
    path = write_video(tmp_path / "ok.mp4", num_frames=3, width=64, height=48)
    video = Video.objects.create(project=project, name="ok.mp4", uploaded_by=users["owner"])
    with open(path, "rb") as fh:
        video.file.save("ok.mp4", File(fh), save=True)
    return video


def test_a_silent_hanging_decoder_is_killed_on_the_wall_clock(project_with_roles, settings,
                                                              tmp_path, monkeypatch):
    settings.INGEST_TIMEOUT_S = 2
    video = _make_video(project_with_roles, tmp_path)
    # A decoder that prints nothing and never exits.
    monkeypatch.setattr(ingest, "_child",
                        lambda args: [sys.executable, "-c", "import time; time.sleep(600)"])
    t0 = time.monotonic()
    worker = threading.Thread(target=ingest.run_ingest, args=(video.pk,), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the ingest never returned: the timeout is soft"
    assert time.monotonic() - t0 < 15
    video.refresh_from_db()
    assert video.status == VideoStatus.FAILED
    assert "took longer than 2 s" in video.error


def test_a_decoder_over_the_memory_limit_fails_clearly(project_with_roles, settings, tmp_path,
                                                      monkeypatch):
    settings.INGEST_MAX_MEMORY_MB = 256
    video = _make_video(project_with_roles, tmp_path)
    hog = "b = [bytearray(64 << 20) for _ in range(64)]"
    monkeypatch.setattr(ingest, "_child", lambda args: [sys.executable, "-c", hog])
    ingest.run_ingest(video.pk)
    video.refresh_from_db()
    assert video.status == VideoStatus.FAILED
    assert "more than 256 MB of memory" in video.error


def test_a_real_decode_runs_under_the_default_limits(owner, tmp_path):
    project, c = owner
    path = write_video(tmp_path / "a.mp4", num_frames=6, width=160, height=120)
    video = Video.objects.create(project=project, name="a.mp4", uploaded_by=project.created_by)
    from django.core.files import File

    with open(path, "rb") as fh:
        video.file.save("a.mp4", File(fh), save=True)
    ingest.run_ingest(video.pk)
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.error
    assert video.num_frames == 6
