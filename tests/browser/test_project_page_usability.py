"""End-to-end: what tripped a new user on the project page: the upload box from the
keyboard, no "No videos yet" under an upload in flight, thumbnails from a representative
frame (not frame 0 of a fade-in), and export rows with video, time, size, status and the
accepted-only / no-frames options."""
import io
import time
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _fade_zip(n=8) -> bytes:
    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(n):
            if i < 4:  # black leader
                a = np.zeros((90, 160, 3), np.uint8)
            else:
                a = rng.integers(60, 220, (90, 160, 3)).astype(np.uint8)
            out = io.BytesIO()
            Image.fromarray(a).save(out, format="PNG")
            z.writestr(f"fade/{i:05d}.png", out.getvalue())
    return buf.getvalue()


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_upload_box_opens_from_the_keyboard(mf_server, seed, open_as, key):
    page = open_as("alice", f"/projects/{seed.project_id}")
    page.wait_for_selector("[data-testid=video-card]")
    # Count what would open the file chooser (and keep it shut: headless Chromium handles one
    # chooser at a time, which made waiting for the chooser itself flaky).
    page.evaluate("""() => { window.__opened = 0;
      document.querySelector('[data-testid=upload-input]').addEventListener('click', (e) => {
        window.__opened++; e.preventDefault(); }); }""")
    page.keyboard.press("Tab")  # focus moves as a keyboard user moves it, onto the box
    for _ in range(40):
        if page.evaluate("() => document.activeElement?.dataset.testid") == "dropzone":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reaches the upload box")
    page.keyboard.press(key)
    page.wait_for_function("() => window.__opened === 1", timeout=5000)
    page.keyboard.press("a")  # other keys do nothing
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__opened") == 1


def test_an_empty_project_shows_its_upload_in_flight_not_no_videos_yet(mf_server, seed, open_as, tmp_path):
    api = mf_server.api("alice")
    r = api.post(f"{mf_server.base}/api/projects/", json={"name": "Fades", "labels": ["thing"]}, timeout=30)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    page = open_as("alice", f"/projects/{pid}")
    expect(page.get_by_text("No videos yet")).to_be_visible()

    # Hold the upload for a moment, so it is seen in flight.
    def slow(route):
        time.sleep(1.5)
        route.continue_()

    page.route(f"**/api/projects/{pid}/videos/", lambda route: slow(route) if route.request.method == "POST"
               else route.continue_())
    fade = tmp_path / "fade.zip"
    fade.write_bytes(_fade_zip())
    page.set_input_files("[data-testid=upload-input]", str(fade))
    page.wait_for_selector("[data-testid=upload-item]")
    expect(page.get_by_text("No videos yet")).to_have_count(0)
    page.wait_for_selector("[data-testid=video-card][data-status=ready]", timeout=60_000)
    expect(page.get_by_text("No videos yet")).to_have_count(0)
    # The thumbnail is the first bright frame, not the black frame 0.
    vid = int(page.get_attribute("[data-testid=video-card]", "data-video-id"))
    assert api.get(f"{mf_server.base}/api/videos/{vid}/", timeout=30).json()["poster_frame"] == 4
    assert page.get_attribute("[data-testid=video-thumb]", "src") == f"/api/videos/{vid}/frames/4.jpg"


def test_export_rows_say_video_time_size_and_options(mf_server, seed, open_as):
    page = open_as("alice", f"/projects/{seed.project_id}")
    # Other tests add videos to the same project: pick this one (the newest is preselected).
    page.select_option("[data-testid=export-video]", str(seed.video["id"]))
    page.select_option("[data-testid=export-format]", "davis")
    page.uncheck("[data-testid=export-include-frames]")
    page.click("[data-testid=export-start]")
    row = page.locator("[data-testid=export-row]").first
    expect(row).to_have_attribute("data-status", "done", timeout=90_000)
    meta = row.locator("[data-testid=export-meta]").inner_text()
    assert meta.startswith(seed.video["name"]) and "no frames" in meta, meta
    assert " KB" in meta or " B" in meta, meta  # annotations only: small
    href = row.locator("[data-testid=export-download]").get_attribute("href")
    body = page.context.request.get(mf_server.base + href).body()
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert not any(n.startswith("JPEGImages/") for n in names), names[:5]
    page.locator(".export-list").screenshot(path="/tmp/export-rows.png")


def test_a_project_pages_error_toast_goes_with_the_page(mf_server, seed, open_as):
    page = open_as("alice", f"/projects/{seed.project_id}")
    page.wait_for_selector("[data-testid=label-row]")
    page.fill("input[name=label-name]", "disc")  # already a label
    page.press("input[name=label-name]", "Enter")
    toast = page.locator("[data-testid=toast-error]")
    expect(toast).to_have_count(1)
    page.click("nav.crumbs a:has-text('Projects')")
    page.wait_for_url(f"{mf_server.base}/")
    expect(toast).to_have_count(0, timeout=2000)  # errors otherwise stay 7 s
