"""The thumbnail's frame: the first sampled frame that is not dark or flat, else the middle;
set at ingest and listed with the video."""
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.conftest import wait_for
from webapp.videos.poster import pick_poster

rng = np.random.default_rng(0)


def _picture(level: int, textured: bool, size=(64, 48)) -> Image.Image:
    a = np.full((size[1], size[0], 3), level, np.uint8)
    if textured:
        a = np.clip(a.astype(int) + rng.integers(-60, 60, a.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(a)


def _frames(tmp_path, levels):
    for i, (level, textured) in enumerate(levels):
        _picture(level, textured).save(tmp_path / f"{i:06d}.jpg", quality=90)
    return tmp_path


def test_a_fade_in_is_shown_by_its_first_bright_frame(tmp_path):
    # 20 frames: black for 5, then a fade up, textured and bright from frame 10.
    levels = [(0, False)] * 5 + [(8 * k, False) for k in range(5)] + [(140, True)] * 10
    assert pick_poster(_frames(tmp_path, levels), 20) == 10  # samples 0, 1, 3, 4, 6, 7, 9, 10


def test_an_ordinary_video_keeps_frame_0_and_a_dark_one_its_middle(tmp_path):
    (tmp_path / "a").mkdir()
    bright = _frames(tmp_path / "a", [(120, True)] * 6)
    assert pick_poster(bright, 6) == 0
    (tmp_path / "b").mkdir()
    dark = _frames(tmp_path / "b", [(10, True)] * 9)
    assert pick_poster(dark, 9) == 4
    assert pick_poster(dark, 1) == 0


@pytest.mark.django_db(transaction=True)
def test_ingest_stores_the_poster_frame_and_the_api_lists_it(project_with_roles, client_for):
    project, users = project_with_roles
    c = client_for(users["owner"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, (level, textured) in enumerate([(0, False)] * 4 + [(150, True)] * 4):
            out = io.BytesIO()
            _picture(level, textured).save(out, format="PNG")
            z.writestr(f"f{i}.png", out.getvalue())
    f = io.BytesIO(buf.getvalue())
    f.name = "fade.zip"
    resp = c.post(f"/api/projects/{project.pk}/videos/", {"file": f}, format="multipart")
    assert resp.status_code == 201, resp.content
    vid = resp.json()["id"]
    video = wait_for(lambda: (b := c.get(f"/api/videos/{vid}/").json())["status"] != "processing" and b,
                     timeout=60)
    assert video["status"] == "ready", video
    # Samples 0, 1, 2, 3, 4 of 8 frames: frame 4 is the first bright one.
    assert video["poster_frame"] == 4
    listed = c.get(f"/api/projects/{project.pk}/videos/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [v["poster_frame"] for v in rows if v["id"] == vid] == [4]
