"""Issue 15, item 6, tried as new users would in Chromium: a teammate's propagation (whose it
is, which objects, Cancel that stops it or says you cannot, your own objects alongside it),
Esc and 0 after a checkbox or the opacity slider had focus, undo of your last prompt on a frame
with nothing selected, and redo."""
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import wait_live

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOT = ROOT / "docs" / "screenshots" / "teammate-propagation.png"
FRAMES = 240

PROP = "[data-testid=propagation]"
SELECTED = "() => window.__maskflow.ctl.selected"


@pytest.fixture
def long_video(mf_server, seed, tmp_path) -> int:
    """A clip long enough that a propagation is still running when a teammate reacts."""
    from webapp.videos.synthetic import write_video

    clip = write_video(tmp_path / "long.mp4", num_frames=FRAMES, width=320, height=192)
    return mf_server.upload("alice", seed.project_id, clip)["id"]


def click_video(page, fx: float, fy: float, button: str = "left") -> None:
    box = page.locator("[data-testid=prompt-layer]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, button=button)


def new_object(page, fx: float, fy: float) -> int:
    """Esc (nothing selected), then a click: a new object with a mask; returns its id."""
    n = page.locator("[data-testid=object-row]").count()
    page.keyboard.press("Escape")
    click_video(page, fx, fy)
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=object-row]').length === {n + 1}")
    page.wait_for_function(f"{SELECTED} !== null")
    oid = page.evaluate(SELECTED)
    page.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({oid}, 0)?.points.length === 1", timeout=60_000)
    return oid


def points(page, oid: int) -> int:
    return page.evaluate(f"() => window.__maskflow.ctl.store.promptAt({oid}, 0)?.points.length ?? 0")


def propagate_only(page, oid: int) -> None:
    """Select the object, tick "Only the selected object", press Fwd."""
    page.evaluate(f"() => window.__maskflow.ctl.select({oid})")
    box = page.locator("[data-testid=propagate-only-selected]")
    if not box.is_checked():
        box.check()
    page.click("[data-testid=propagate-forward]")


def test_teammate_propagation_cancel_side_by_side_keys_and_undo_redo(mf_server, long_video, open_as):
    vid = long_video
    a = open_as("alice", f"/videos/{vid}?frame=0")
    b = open_as("bob", f"/videos/{vid}?frame=0")
    v = open_as("vera", f"/videos/{vid}?frame=0")
    for p in (a, b, v):
        wait_live(p)
    disc = new_object(a, 0.22, 0.33)
    mine = new_object(b, 0.75, 0.7)
    name = a.evaluate(f"() => window.__maskflow.ctl.store.objects.get({disc}).name")

    # Alice propagates her object. Bob sees whose job it is and which object; his direction
    # buttons stay on. Vera (viewer) is told she cannot cancel it.
    propagate_only(a, disc)
    expect(b.locator(f"{PROP}[data-running='1'][data-by=alice]")).to_be_visible(timeout=30_000)
    owner = b.locator("[data-testid=propagation-owner]")
    expect(owner).to_contain_text("alice's propagation")
    b.wait_for_function(
        "() => document.querySelector('[data-testid=propagation-owner]').textContent.includes(':')",
        timeout=30_000)
    expect(owner).to_contain_text(name)
    expect(b.locator("[data-testid=propagate-both]")).to_be_enabled()
    expect(b.locator("[data-testid=propagate-cancel]")).to_have_text("Cancel alice's")
    expect(v.locator(f"{PROP}[data-by=alice]")).to_be_visible(timeout=30_000)
    expect(v.locator("[data-testid=propagate-cancel-denied]")).to_contain_text("Only annotators can cancel")
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    b.locator("[data-testid=propagate-cancel]").scroll_into_view_if_needed()
    b.locator(PROP).hover()  # the Cancel button's title says what it stops
    b.screenshot(path=str(SHOT))

    # Esc with a focused checkbox still deselects, while alice's propagation runs.
    b.evaluate(f"() => window.__maskflow.ctl.select({mine})")
    b.locator("[data-testid=propagate-only-selected]").focus()
    b.keyboard.press("Escape")
    b.wait_for_function(f"{SELECTED} === null")
    expect(a.locator(f"{PROP}[data-running='1']")).to_be_visible()

    # Bob cancels alice's job: the job id goes out, he gets a confirmation, she sees it end.
    job = b.locator(PROP).get_attribute("data-job")
    assert job, "the panel shows no job id"
    b.evaluate("""() => { window.__sent = []; const c = window.__maskflow.ctl.client;
      const orig = c.request.bind(c); c.request = (m) => { window.__sent.push(m); return orig(m); }; }""")
    b.click("[data-testid=propagate-cancel]")
    expect(b.locator("[data-testid=toast-info]", has_text="Cancelled alice's propagation.")).to_be_visible()
    assert b.evaluate("() => window.__sent") == [{"type": "propagate.cancel", "job": int(job)}]
    expect(a.locator(f"{PROP}[data-running='0']")).to_be_visible(timeout=30_000)
    expect(a.locator("[data-testid=propagation-progress]")).to_contain_text("Cancelled")
    done = int(a.locator(PROP).get_attribute("data-done"))
    assert done < FRAMES, done

    # Side by side: alice propagates hers again, bob his own while hers runs; both finish.
    watch = """() => { window.__both = 0; const s = window.__maskflow.ctl.store;
      const t = setInterval(() => { if (s.jobs.size >= 2) { window.__both++; } }, 20);
      window.__stopWatch = () => clearInterval(t); }"""
    a.evaluate(watch)
    propagate_only(a, disc)
    expect(b.locator(f"{PROP}[data-running='1'][data-by=alice]")).to_be_visible(timeout=30_000)
    propagate_only(b, mine)
    expect(b.locator(f"{PROP}[data-running='1'][data-by=bob]")).to_be_visible(timeout=30_000)
    expect(b.locator("[data-testid=propagation-owner]")).to_contain_text("Your propagation")
    for p in (a, b):
        p.wait_for_function(
            "() => { const el = document.querySelector('[data-testid=propagation]');"
            " return el && el.dataset.running === '0'; }", timeout=300_000)
    assert a.evaluate("() => (window.__stopWatch(), window.__both)") > 0, "the two never ran at once"
    for p in (a, b):
        expect(p.locator("[data-testid=propagation-progress]")).to_contain_text("Done")
        expect(p.locator("[data-testid=propagation-progress]")).not_to_contain_text("Replaced")
    tracks = {t["object_id"]: t for t in mf_server.api("alice").get(
        f"{mf_server.base}/api/videos/{vid}/timeline/", timeout=30).json()}
    for oid in (disc, mine):
        assert tracks[oid]["mask_frames"], f"object {oid} has no masks after its propagation"

    # 0 resets the zoom after the opacity slider was used (mouse, then its arrow keys, which
    # move the slider and not the playhead).
    box = b.locator("[data-testid=prompt-layer]").bounding_box()
    b.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(3):
        b.mouse.wheel(0, -240)
    b.wait_for_selector(".zoom-badge")
    b.locator("[data-testid=opacity]").click()
    b.evaluate("() => window.__maskflow.ctl.select(null)")
    b.keyboard.press("ArrowRight")
    time.sleep(0.3)
    assert b.evaluate("() => window.__maskflow.frame()") == 0
    b.keyboard.press("0")
    b.wait_for_selector(".zoom-badge", state="detached")

    # Undo with nothing selected takes back alice's own last prompt on the frame, and says so;
    # redo (Ctrl+Shift+Z, Ctrl+Y) sends it again.
    a.keyboard.press("Escape")
    a.evaluate(f"() => window.__maskflow.ctl.select({disc})")
    click_video(a, 0.9, 0.1, button="right")
    a.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 2")
    a.keyboard.press("Escape")
    a.wait_for_function(f"{SELECTED} === null")
    a.keyboard.press("z")
    expect(a.locator("[data-testid=toast-info]", has_text="Undid your last prompt on this frame")).to_be_visible()
    a.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 1")
    assert a.evaluate(SELECTED) == disc
    assert points(b, disc) in (1, 2)  # bob follows live
    b.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 1")
    a.keyboard.press("Control+Shift+Z")
    a.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 2")
    a.keyboard.press("Control+z")
    a.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 1")
    a.click("[data-testid=redo]")
    a.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 2")
    b.wait_for_function(f"() => window.__maskflow.ctl.store.promptAt({disc}, 0)?.points.length === 2")
    a.keyboard.press("Control+y")
    expect(a.locator("[data-testid=toast-info]", has_text="Nothing to redo on this frame.")).to_be_visible()

    # An empty mask counts the same live and after a reload: bob clears his object's frame 0.
    track = f"[data-testid=track][data-object-id='{mine}']"
    before = int(b.locator(track).get_attribute("data-mask-frames"))
    b.evaluate(f"() => window.__maskflow.ctl.select({mine})")
    b.keyboard.press("c")
    b.wait_for_function(f"() => window.__maskflow.ctl.store.masksAt(0)?.get({mine})?.empty === true", timeout=30_000)
    expect(b.locator(track)).to_have_attribute("data-mask-frames", str(before - 1))
    b.reload()
    wait_live(b)
    expect(b.locator(track)).to_have_attribute("data-mask-frames", str(before - 1))
    for p in (a, b, v):
        assert not p.errors, p.errors
