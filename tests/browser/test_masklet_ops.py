"""End-to-end: alice splits a masklet at a frame and merges it back from the object menu in
Chromium; bob, in the same room, sees both live; the stored timeline agrees."""
import shutil

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, wait_live

pytestmark = pytest.mark.browser
SHOT = ROOT / "docs" / "screenshots" / "masklet-ops.png"


def click_video(page, fx: float, fy: float) -> None:
    box = page.locator("[data-testid=prompt-layer]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def track_frames(page, oid) -> int:
    return int(page.locator(f"[data-testid=track][data-object-id='{oid}']").get_attribute("data-mask-frames"))


def rest_tracks(server, vid) -> dict[int, list[int]]:
    rows = server.api("alice").get(f"{server.base}/api/videos/{vid}/timeline/", timeout=30).json()
    return {r["object_id"]: r["mask_frames"] for r in rows}


def test_a_split_and_a_merge_from_the_object_menu_are_seen_live(mf_server, seed, open_as, tmp_path):
    clip = shutil.copy(seed.clip, tmp_path / "split-merge.mp4")
    vid = mf_server.upload("alice", seed.project_id, clip)["id"]
    a = open_as("alice", f"/videos/{vid}?frame=10")
    b = open_as("bob", f"/videos/{vid}?frame=10")
    wait_live(a)
    wait_live(b)

    # One masklet over frames 10..47: a click on the disc, then a forward propagation.
    click_video(a, 0.22, 0.33)
    a.wait_for_selector("[data-testid=object-row]")
    oid = int(a.locator("[data-testid=object-row]").first.get_attribute("data-object-id"))
    a.click("[data-testid=propagate-forward]")
    a.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=propagation]');"
        " return el && el.dataset.running === '0' && Number(el.dataset.total) > 0; }", timeout=120_000)
    before = rest_tracks(mf_server, vid)[oid]
    assert len(before) > 20, before
    b.wait_for_function(f"() => Number(document.querySelector(\"[data-testid=track][data-object-id='{oid}']\")"
                        f"?.dataset.maskFrames) === {len(before)}", timeout=30_000)

    # Alice moves to frame 30 and splits there from the object's menu.
    a.keyboard.press("Shift+ArrowRight")
    a.keyboard.press("Shift+ArrowRight")
    row = a.locator(f"[data-testid=object-row][data-object-id='{oid}']")
    row.locator("[data-testid=masklet-menu]").click()
    expect(a.locator("[data-testid=masklet-split]")).to_have_text("Split at frame 30")
    a.click("[data-testid=masklet-split]")

    # Bob sees the new object appear with frames 30+, the original keeps the frames before.
    expect(b.locator("[data-testid=object-row]")).to_have_count(2, timeout=30_000)
    new = int(b.locator("[data-testid=object-row]").nth(1).get_attribute("data-object-id"))
    assert new != oid
    expect(b.locator(f"[data-testid=object-row][data-object-id='{new}']")).to_contain_text("(2)")
    later = [f for f in before if f >= 30]
    b.wait_for_function(f"() => Number(document.querySelector(\"[data-testid=track][data-object-id='{new}']\")"
                        f"?.dataset.maskFrames) === {len(later)}", timeout=30_000)
    assert track_frames(b, oid) == len(before) - len(later)
    stored = rest_tracks(mf_server, vid)
    assert stored[new] == later and stored[oid] == [f for f in before if f < 30]

    # The menu of the new object: merge it back into the original (the screenshot shows it).
    expect(a.locator("[data-testid=object-row]")).to_have_count(2, timeout=30_000)
    a.locator(f"[data-testid=object-row][data-object-id='{new}'] [data-testid=masklet-menu]").click()
    a.select_option("[data-testid=masklet-merge-target]", str(oid))
    expect(a.locator("[data-testid=masklet-undo]")).to_contain_text("Undo split")
    a.screenshot(path=str(SHOT))
    a.click("[data-testid=masklet-merge]")

    # Bob sees the merge live: one object again, with every frame.
    expect(b.locator("[data-testid=object-row]")).to_have_count(1, timeout=30_000)
    b.wait_for_function(f"() => Number(document.querySelector(\"[data-testid=track][data-object-id='{oid}']\")"
                        f"?.dataset.maskFrames) === {len(before)}", timeout=30_000)
    assert rest_tracks(mf_server, vid) == {oid: before}

    # Keys: K jumps to the prompted frame (10) before the playhead, J to a frame without a mask.
    a.keyboard.press("Escape")  # the dialog closed with the merge; deselect
    row.click()
    a.keyboard.press("Shift+K")
    expect(a.locator("[data-testid=frame-input]")).to_have_value("10")
    a.keyboard.press("Shift+J")
    expect(a.locator("[data-testid=frame-input]")).to_have_value("9")
    assert not a.errors and not b.errors, (a.errors, b.errors)
