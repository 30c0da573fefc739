"""End-to-end: the editor's Import / Evaluate drawer. A DAVIS zip built here (the synthetic
clip's true disc and box, plus a declared object with no masks and an unknown category) is
imported from the UI and reported; a second, worse set is imported through the API; the UI
evaluates one against the other and a bad frame opens in the editor."""
import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import wait_live
from webapp.videos.synthetic import shape_masks

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BAD = range(30, 34)  # the candidate's disc is far off on these frames


def davis_zip(n: int, w: int, h: int, shift_disc=lambda f: 0, shift_box=0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in range(n):
            m = shape_masks(f, w, h, n)
            index = np.zeros((h, w), np.uint8)
            index[np.roll(m["disc"], shift_disc(f), axis=1)] = 1
            index[np.roll(m["box"], shift_box, axis=1) & (index == 0)] = 2
            img = Image.fromarray(index, mode="P")
            img.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (256 * 3 - 9))
            out = io.BytesIO()
            img.save(out, format="PNG")
            z.writestr(f"Annotations/crossing/{f:05d}.png", out.getvalue())
        z.writestr("meta.json", json.dumps({"videos": {"crossing": {"objects": {
            "1": {"category": "disc", "name": "true disc"},
            "2": {"category": "box", "name": "true box"},
            "3": {"category": "cat", "name": "ghost"},
        }}}}))
    return buf.getvalue()


def wait_import(server, job_id: int, user="alice", timeout=60) -> dict:
    s = server.api(user)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        j = s.get(f"{server.base}/api/imports/{job_id}/", timeout=30).json()
        if j["status"] in ("done", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError(f"import {job_id} did not finish\n{server.log_tail()}")


def test_import_from_the_ui_then_evaluate_and_open_a_bad_frame(mf_server, seed, open_as, tmp_path):
    video = mf_server.upload("alice", seed.project_id, seed.clip)
    vid, n, w, h = video["id"], video["num_frames"], video["width"], video["height"]
    truth = tmp_path / "crossing_davis.zip"
    truth.write_bytes(davis_zip(n, w, h))
    # The candidate: the box 3 px off everywhere, the disc 60 px off on the BAD frames.
    worse = davis_zip(n, w, h, shift_disc=lambda f: 60 if f in BAD else 0, shift_box=3)
    api = mf_server.api("alice")
    r = api.post(f"{mf_server.base}/api/videos/{vid}/imports/", data={"format": "davis"},
                 files={"file": ("annotator_davis.zip", worse, "application/zip")}, timeout=60)
    assert r.status_code == 201, r.text
    cand = wait_import(mf_server, r.json()["id"])
    assert cand["status"] == "done", cand

    page = open_as("alice", f"/videos/{vid}")
    wait_live(page)
    page.click("[data-testid=open-evaluate]")
    page.wait_for_selector("[data-testid=evaluate-drawer]")
    page.set_input_files("[data-testid=import-file]", str(truth))
    # The format was guessed from the name.
    assert page.input_value("[data-testid=import-format]") == "davis"
    page.click("[data-testid=import-start]")
    report = page.wait_for_selector("[data-testid=import-report][data-status=done]", timeout=60_000)
    assert page.text_content("[data-testid=import-objects]") == "2"
    assert page.text_content("[data-testid=import-frames]") == str(n)
    warnings = page.text_content("[data-testid=import-warnings]")
    assert "'cat' is not a label" in warnings
    assert "1 track(s) had no mask on any frame and were skipped: ghost" in warnings
    # The editor heard the imported objects live.
    page.wait_for_function("() => document.body.innerText.includes('true disc')")
    report.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "import-report.png"))

    truth_id = api.get(f"{mf_server.base}/api/videos/{vid}/imports/", timeout=30).json()[0]["id"]
    # The import just made becomes the reference.
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=eval-reference]').value === 'import:{truth_id}'")
    page.select_option("[data-testid=eval-candidate]", f"import:{cand['id']}")
    page.click("[data-testid=eval-run]")
    page.wait_for_selector("[data-testid=eval-result]", timeout=60_000)
    rows = page.locator("[data-testid=eval-object-row]")
    assert rows.count() == 2
    jf = float(page.text_content("[data-testid=eval-jf]"))
    assert 50 < jf < 99, jf  # the box is close, the disc is lost on 4 frames
    # Pick the disc: its own line, and its worst frames are the ones made bad.
    rows.filter(has_text="true disc").click()
    page.wait_for_selector("[data-testid=jf-object-line]")
    bad = page.locator("[data-testid=bad-frame]")
    worst = [int(bad.nth(i).get_attribute("data-frame")) for i in range(4)]
    assert sorted(worst) == list(BAD), worst
    page.locator("[data-testid=evaluate-panel]").evaluate("e => e.scrollIntoView()")
    page.hover("[data-testid=jf-plot]")
    page.screenshot(path=str(SHOTS / "evaluation.png"))

    target = worst[0]
    assert bad.first.get_attribute("href") == f"/videos/{vid}?frame={target}"
    bad.first.click()
    page.wait_for_selector("[data-testid=evaluate-drawer]", state="detached")
    assert page.input_value("[data-testid=frame-input]") == str(target)
    page.wait_for_url(f"**/videos/{vid}?frame={target}")
    assert not page.errors, page.errors
    # A deep link opens the drawer, with the evaluation just run in its history.
    page.goto(f"{mf_server.base}/videos/{vid}?panel=evaluate")
    page.wait_for_selector("[data-testid=evaluate-drawer]")
    expect(page.locator("[data-testid=evaluate-panel] .import-history summary")).to_have_text("Earlier evaluations (1)")
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid=evaluate-drawer]", state="detached")
