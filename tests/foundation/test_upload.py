"""Uploads: probed at once (400 for non-videos, 413 over the limit), decoded in the
background in a child process, robust to odd real-world files; frames served with cache headers."""
import io
import os
import subprocess
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import wait_for
from webapp.videos.models import Video
from webapp.videos.synthetic import shape_masks, write_video

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(client, project, path_or_bytes, name="clip.mp4"):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    f = io.BytesIO(data)
    f.name = name
    return client.post(f"/api/projects/{project.pk}/videos/", {"file": f}, format="multipart")


def _ready(client, vid):
    def done():
        body = client.get(f"/api/videos/{vid}/").json()
        return body if body["status"] != "processing" else None

    return wait_for(done, timeout=60)


@pytest.fixture
def owner(project_with_roles, client_for):
    project, users = project_with_roles
    return project, client_for(users["owner"])


def test_a_video_upload_becomes_ready_with_exact_metadata_and_frames(owner, tmp_path):
    project, c = owner
    path = write_video(tmp_path / "a.mp4", num_frames=30, width=200, height=150, fps=25)
    resp = _upload(c, project, path)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "processing" and body["id"]
    video = _ready(c, body["id"])
    assert video["status"] == "ready", video
    assert (video["num_frames"], video["width"], video["height"]) == (30, 200, 150)
    assert video["fps"] == pytest.approx(25, rel=1e-3)
    assert video["progress"] == 100
    first = c.get(f"/api/videos/{body['id']}/frames/0.jpg")
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert "max-age=31536000" in first["Cache-Control"] and "immutable" in first["Cache-Control"]
    img = np.asarray(Image.open(io.BytesIO(first.content)))
    assert img.shape == (150, 200, 3)
    # The disc is where the generator drew it: red inside its known mask.
    disc = shape_masks(0, 200, 150, 30)["disc"]
    assert img[disc][:, 0].mean() > 150 and img[disc][:, 2].mean() < 100
    last = c.get(f"/api/videos/{body['id']}/frames/29.jpg")
    assert last.status_code == 200
    past = c.get(f"/api/videos/{body['id']}/frames/30.jpg")
    assert past.status_code == 404 and "past the end" in past.json()["detail"]


@pytest.mark.parametrize(
    "name,payload,needle",
    [
        ("empty.mp4", b"", "empty"),
        ("notes.mp4", b"hello, this is a text file, not a video\n" * 20, "not"),
        ("notes.txt", b"hello, this is a text file, not a video\n" * 20, "text, not a video"),
    ],
)
def test_non_videos_get_a_readable_400(owner, name, payload, needle):
    project, c = owner
    resp = _upload(c, project, payload, name)
    assert resp.status_code == 400
    assert needle in resp.json()["detail"]
    assert not Video.objects.exists()


def test_a_bmp_renamed_to_mp4_is_refused(owner):
    """JPEG and PNG are one-frame items (tests/foundation/test_upload_images.py); other
    still images are not videos."""
    project, c = owner
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, format="BMP")
    resp = _upload(c, project, buf.getvalue(), "photo.mp4")
    assert resp.status_code == 400
    assert "still image" in resp.json()["detail"]


@pytest.mark.parametrize("fmt,name,needs", [("PNG", "picture.mp4", ".png"),
                                            ("JPEG", "clip.mov", ".jpg")])
def test_a_picture_named_like_a_video_is_refused(owner, fmt, name, needs):
    """The contract: a file that is not a video gets a 400. A JPEG/PNG is a one-frame item
    only under an image name (what `../shared/contract-check` tries: a PNG as .mp4)."""
    project, c = owner
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, format=fmt)
    resp = _upload(c, project, buf.getvalue(), name)
    assert resp.status_code == 400
    assert "not a video" in resp.json()["detail"] and needs in resp.json()["detail"]


def test_a_zip_named_like_a_video_is_refused(owner):
    import zipfile

    project, c = owner
    buf = io.BytesIO()
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(png, format="PNG")
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("frames/0001.png", png.getvalue())
    resp = _upload(c, project, buf.getvalue(), "movie.mp4")
    assert resp.status_code == 400 and "not a video" in resp.json()["detail"]


def test_a_truncated_mp4_keeps_nothing_or_fails_clearly(owner, tmp_path):
    """An mp4 cut in half has no moov atom: it is refused at once, with the reason."""
    project, c = owner
    path = write_video(tmp_path / "t.mp4", num_frames=40)
    data = path.read_bytes()
    resp = _upload(c, project, data[: len(data) // 2], "truncated.mp4")
    assert resp.status_code == 400
    assert "truncated.mp4" in resp.json()["detail"]


def test_a_damaged_stream_keeps_the_decodable_frames_with_a_warning(owner, tmp_path):
    """A stream with garbage in the middle (an MPEG-TS, which has no index to lose)."""
    project, c = owner
    path = write_video(tmp_path / "d.ts", num_frames=60, width=160, height=120)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4000] = bytes((i * 37) % 256 for i in range(4000))
    resp = _upload(c, project, bytes(data), "damaged.ts")
    assert resp.status_code == 201, resp.content
    video = _ready(c, resp.json()["id"])
    assert video["status"] == "ready", video
    assert 10 < video["num_frames"] <= 60
    assert "damaged" in video["warning"] and f"kept the {video['num_frames']}" in video["warning"]


def test_an_upload_over_the_limit_gets_413(owner, settings, tmp_path):
    settings.MAX_UPLOAD_MB = 1
    project, c = owner
    resp = _upload(c, project, b"\0" * (2 * 1024 * 1024), "big.mp4")
    assert resp.status_code == 413
    assert "1 MB" in resp.json()["detail"]
    assert not Video.objects.exists()


def test_a_missing_file_field_is_a_400(owner):
    project, c = owner
    resp = c.post(f"/api/projects/{project.pk}/videos/", {}, format="multipart")
    assert resp.status_code == 400 and "file" in resp.json()["detail"]


def test_a_viewer_cannot_upload(project_with_roles, client_for, tmp_path):
    project, users = project_with_roles
    path = write_video(tmp_path / "a.mp4", num_frames=5)
    assert _upload(client_for(users["viewer"]), project, path).status_code == 403


def test_odd_sizes_and_444_pixels_ingest(owner, tmp_path):
    project, c = owner
    path = write_video(tmp_path / "odd.mp4", num_frames=12, width=161, height=97, pix_fmt="yuv444p")
    video = _ready(c, _upload(c, project, path).json()["id"])
    assert video["status"] == "ready", video
    assert (video["width"], video["height"], video["num_frames"]) == (161, 97, 12)


def test_variable_frame_rate_keeps_every_frame_and_its_time(owner, tmp_path):
    project, c = owner
    path = write_video(tmp_path / "vfr.mp4", num_frames=20, fps=24, vfr=True)
    video = _ready(c, _upload(c, project, path).json()["id"])
    assert video["num_frames"] == 20
    ts = Video.objects.get(pk=video["id"]).timestamps
    assert len(ts) == 20
    gaps = sorted({round(b - a, 4) for a, b in zip(sorted(ts), sorted(ts)[1:])})
    assert gaps == [round(1 / 48, 4), round(3 / 48, 4)]  # the two uneven spacings


def test_rotation_metadata_is_applied_like_ffmpeg_does(owner, tmp_path):
    project, c = owner
    path = write_video(tmp_path / "rot.mp4", num_frames=6, width=160, height=96, rotation=90)
    video = _ready(c, _upload(c, project, path).json()["id"])
    assert (video["width"], video["height"]) == (96, 160)
    resp = c.get(f"/api/videos/{video['id']}/frames/0.jpg")
    ours = np.asarray(Image.open(io.BytesIO(resp.content))).astype(int)
    if shutil.which("ffmpeg") is None:
        missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
        missing("ffmpeg CLI not installed (.ci/run installs it)")
    out = tmp_path / "ff.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", str(out)], check=True
    )
    ref = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert ref.shape == ours.shape
    assert np.abs(ref - ours).mean() < 8  # same orientation (JPEG noise only)
