"""End-to-end: an image sequence (a zip of frames, and a folder packed into a zip by the
upload box) opens in the editor like a video: its frames render, in natural order."""
import io
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# One colour per frame: frame n is drawn in COLORS[n], so order mistakes show.
COLORS = [(220, 40, 40), (40, 200, 60), (50, 90, 230), (230, 200, 40)]

_PIXEL = """([x, y]) => {
  const c = document.querySelector('[data-testid=frame-canvas]');
  const ctx = c.getContext('2d');
  const px = ctx.getImageData(Math.round(x * c.width), Math.round(y * c.height), 1, 1).data;
  return [px[0], px[1], px[2]];
}"""


def _frame_png(n: int, size=(480, 270)) -> bytes:
    img = Image.new("RGB", size, COLORS[n])
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 200, 80), fill=(255, 255, 255))
    d.text((30, 40), f"frame{[1, 2, 10, 11][n]}.png", fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _wait_ready(server, vid, timeout=60):
    s = server.api("alice")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = s.get(f"{server.base}/api/videos/{vid}/", timeout=30).json()
        if v["status"] != "processing":
            return v
        time.sleep(0.2)
    raise AssertionError(f"video {vid} not ready\n{server.log_tail()}")


def _close(rgb, want, tol=40):
    return all(abs(a - b) <= tol for a, b in zip(rgb, want))


def test_an_uploaded_zip_of_frames_opens_in_the_editor(mf_server, seed, open_as):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # Written out of order, named so that only a natural sort gets them right.
        for n in (3, 0, 2, 1):
            z.writestr(f"JPEGImages/walk/frame{[1, 2, 10, 11][n]}.png", _frame_png(n))
        z.writestr("__MACOSX/JPEGImages/walk/._frame1.png", b"junk")
    s = mf_server.api("alice")
    r = s.post(f"{mf_server.base}/api/projects/{seed.project_id}/videos/",
               files={"file": ("walk.zip", buf.getvalue(), "application/zip")},
               data={"fps": "8"}, timeout=60)
    assert r.status_code == 201, r.text
    video = _wait_ready(mf_server, r.json()["id"])
    got = [video[k] for k in ("status", "num_frames", "width", "height", "fps")]
    assert got == ["ready", 4, 480, 270, 8], video

    page = open_as("alice", f"/videos/{video['id']}")
    page.wait_for_selector("[data-testid=frame-canvas][data-frame='0']", timeout=30_000)
    assert _close(page.evaluate(_PIXEL, [0.8, 0.8]), COLORS[0])
    page.screenshot(path=str(SHOTS / "image-sequence-editor.png"))
    page.goto(f"{mf_server.base}/videos/{video['id']}?frame=2")
    page.wait_for_selector("[data-testid=frame-canvas][data-frame='2']", timeout=30_000)
    assert _close(page.evaluate(_PIXEL, [0.8, 0.8]), COLORS[2])  # frame10 after frame2
    assert not page.errors


def test_a_folder_of_frames_is_packed_in_the_browser_and_uploaded(mf_server, seed, open_as,
                                                                   tmp_path):
    folder = tmp_path / "street"
    folder.mkdir()
    for n in range(4):
        (folder / f"frame{[1, 2, 10, 11][n]}.png").write_bytes(_frame_png(n, (320, 180)))
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "notes.txt").write_text("not a frame")

    page = open_as("alice", f"/projects/{seed.project_id}")
    page.wait_for_selector("[data-testid=video-card]")
    page.set_input_files("[data-testid=upload-folder-input]", str(folder))
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=video-card]')].some("
        "(c) => c.textContent.includes('street.zip') && c.dataset.status === 'ready')",
        timeout=90_000,
    )
    card = page.locator("[data-testid=video-card]:has-text('street.zip')")
    assert "4 frames" in card.inner_text()
    page.screenshot(path=str(SHOTS / "image-sequence-folder-upload.png"))
    card.locator("a").first.click()
    page.wait_for_url("**/videos/*")
    page.wait_for_selector("[data-testid=frame-canvas][data-frame='0']", timeout=30_000)
    assert _close(page.evaluate(_PIXEL, [0.8, 0.8]), COLORS[0])
    assert not page.errors
