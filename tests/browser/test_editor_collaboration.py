"""End-to-end: two people label one video in Chromium against a live server."""
import re
import time

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import overlay_mask, rest_union_mask, wait_live

pytestmark = pytest.mark.browser

# Records every value the propagation panel shows, so a fast run cannot slip past the test.
WATCH_PROPAGATION = """() => {
  window.__seen = [];
  const note = () => {
    const el = document.querySelector('[data-testid=propagation]');
    if (el) window.__seen.push([el.dataset.running, Number(el.dataset.done), Number(el.dataset.total)]);
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def click_video(page, fx: float, fy: float, button: str = "left") -> None:
    box = page.locator("[data-testid=prompt-layer]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, button=button)


def painted(page) -> int:
    return int(page.locator("[data-testid=overlay-canvas]").get_attribute("data-painted-objects") or 0)


def test_two_users_see_masks_propagation_and_presence_live_and_after_reload(mf_server, seed, open_as):
    vid = seed.video["id"]
    a = open_as("alice", f"/videos/{vid}?frame=10")
    b = open_as("bob", f"/videos/{vid}?frame=10")
    wait_live(a)
    wait_live(b)
    expect(a.locator("[data-testid=random-weights-banner]")).to_contain_text("model: random weights")

    # Presence: each sees the other, on frame 10.
    a.wait_for_selector("[data-testid=presence-user][data-username=bob]")
    b.wait_for_selector("[data-testid=presence-user][data-username=alice]")
    # Joining shows bob at once; his frame follows with his first presence update.
    expect(a.locator("[data-testid=presence-user][data-username=bob]")).to_contain_text("frame 10")

    # A clicks on the red disc (it sits at x≈0.1-0.4, y≈1/3 on frame 10): a new object with a mask.
    click_video(a, 0.22, 0.33)
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects > 0",
                        timeout=90_000)
    b.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects > 0",
                        timeout=30_000)
    assert a.locator("[data-testid=object-row]").count() == 1
    assert b.locator("[data-testid=object-row]").count() == 1
    # Both overlays are exactly the pycocotools decoding of the stored mask.
    stored = rest_union_mask(mf_server, "alice", vid, 10)
    assert stored is not None and stored.any()
    assert np.array_equal(overlay_mask(a), stored)
    assert np.array_equal(overlay_mask(b), stored)
    # B sees A's click point live (prompt.added).
    b.wait_for_selector(".prompt-point[data-label='1']")

    # A adds a negative click; B's view follows.
    click_video(a, 0.8, 0.8, button="right")
    b.wait_for_selector(".prompt-point[data-label='0']", timeout=30_000)

    # B propagates forward; A watches the progress bar and the timeline fill.
    a.evaluate(WATCH_PROPAGATION)
    obj_id = a.locator("[data-testid=object-row]").first.get_attribute("data-object-id")
    track = f"[data-testid=track][data-object-id='{obj_id}']"
    assert int(a.locator(track).get_attribute("data-mask-frames")) == 1
    b.click("[data-testid=propagate-forward]")
    a.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=propagation]');"
        " return el && el.dataset.running === '0' && Number(el.dataset.total) > 0; }",
        timeout=120_000,
    )
    seen = a.evaluate("() => window.__seen")
    running = [s for s in seen if s[0] == "1" and s[2] > 0]
    assert running, f"A never saw propagation progress: {seen[:5]}"
    assert a.locator("[data-testid=propagation-progress]").get_attribute("aria-valuenow") == "100"
    # Frames 10..47 now have masks on A's timeline (from live messages, no reload).
    a.wait_for_function(f"() => Number(document.querySelector(\"{track}\").dataset.maskFrames) >= 38")
    mask_frames = int(a.locator(track).get_attribute("data-mask-frames"))
    assert mask_frames == int(b.locator(track).get_attribute("data-mask-frames"))

    # A jumps via the timeline to a propagated frame and sees its mask.
    a.fill("[data-testid=frame-input]", "30")
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.frame === '30'")
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects > 0")
    assert np.array_equal(overlay_mask(a), rest_union_mask(mf_server, "alice", vid, 30))
    expect(a.locator("[data-testid=time]")).to_contain_text("00:01.250")  # frame 30 at 24 fps

    # Reload keeps everything: objects, masks, timeline, the frame from the URL.
    a.wait_for_url(f"**/videos/{vid}?frame=30")
    a.reload()
    wait_live(a)
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects > 0")
    assert a.locator("[data-testid=object-row]").count() == 1
    assert np.array_equal(overlay_mask(a), rest_union_mask(mf_server, "alice", vid, 30))
    a.wait_for_function(f"() => Number(document.querySelector(\"{track}\").dataset.maskFrames) === {mask_frames}")
    # ...and the click markers of the earlier prompts (from the prompt log), on frame 10.
    a.fill("[data-testid=frame-input]", "10")
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.frame === '10'")
    marks = a.locator(f".prompt-object[data-object-id='{obj_id}'] .prompt-point")
    expect(marks).to_have_count(2)
    assert [marks.nth(i).get_attribute("data-label") for i in range(2)] == ["1", "0"]
    # Undo (Z) works on them: the negative click goes, for both users.
    a.evaluate("() => document.activeElement && document.activeElement.blur()")
    a.keyboard.press("1")  # select the object
    expect(a.locator(f"[data-testid=object-row][data-object-id='{obj_id}']")).to_have_class(re.compile("selected"))
    a.keyboard.press("z")
    expect(marks).to_have_count(1, timeout=30_000)
    assert marks.first.get_attribute("data-label") == "1"
    expect(b.locator(".prompt-point")).to_have_count(1, timeout=30_000)
    assert not a.errors and not b.errors, a.errors + b.errors


def test_viewer_watches_but_cannot_prompt(mf_server, seed, open_as):
    vid = seed.video["id"]
    page = open_as("vera", f"/videos/{vid}?frame=5")
    wait_live(page)
    assert page.locator("[data-testid=view-only]").is_visible()
    assert page.locator("[data-testid=new-object]").is_disabled()
    assert page.locator("[data-testid=propagate-forward]").is_disabled()
    assert "readonly" in page.locator("[data-testid=prompt-layer]").get_attribute("class")
    before = page.locator("[data-testid=object-row]").count()
    page.evaluate("""() => { window.__sent = []; const c = window.__maskflow.ctl.client;
      const orig = c.request.bind(c); c.request = (m) => { window.__sent.push(m); return orig(m); }; }""")
    click_video(page, 0.5, 0.5)
    page.keyboard.press("n")
    time.sleep(1.0)
    assert page.evaluate("() => window.__sent") == []
    assert page.locator("[data-testid=object-row]").count() == before
    # Even a hand-made edit is refused by the server.
    err = page.evaluate("""() => window.__maskflow.ctl.client.request({type: 'object.create', name: 'x'})
      .then(() => 'accepted', (e) => e.code)""")
    assert err == "forbidden"


def test_deep_link_sends_signed_out_users_to_sign_in_and_back(mf_server, seed, open_as):
    # open_as goes through /login?next=… and lands back on the exact path with its query.
    page = open_as("bob", f"/videos/{seed.video['id']}?frame=7")
    wait_live(page)
    assert page.locator("[data-testid=frame-input]").input_value() == "7"
    page.wait_for_function("() => document.querySelector('[data-testid=frame-canvas]').dataset.frame === '7'")


def test_keyboard_shortcuts_step_frames_and_open_help(mf_server, seed, open_as):
    page = open_as("bob", f"/videos/{seed.video['id']}?frame=3")
    wait_live(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("[data-testid=frame-input]")).to_have_value("4")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("[data-testid=frame-input]")).to_have_value("14")
    page.keyboard.press("?")
    assert page.locator("[data-testid=help-overlay]").is_visible()
    assert "Undo the last prompt" in page.locator("[data-testid=help-overlay]").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("[data-testid=help-overlay]").count() == 0
    # Wheel zooms at the cursor; clicks still land on the right video pixel; 0 resets.
    layer = page.locator("[data-testid=prompt-layer]")
    before = layer.bounding_box()
    page.mouse.move(before["x"] + before["width"] * 0.25, before["y"] + before["height"] * 0.25)
    page.mouse.wheel(0, -600)
    page.wait_for_selector(".zoom-badge")
    after = layer.bounding_box()
    assert after["width"] > 1.5 * before["width"]
    # The point under the cursor stayed put (to a pixel), so zoom is anchored at the cursor.
    fx = (before["width"] * 0.25 + before["x"] - after["x"]) / after["width"]
    assert abs(fx - 0.25) < 0.01
    page.keyboard.press("0")
    page.wait_for_selector(".zoom-badge", state="detached")


def test_a_client_that_was_offline_catches_up_through_sync(mf_server, seed, open_as):
    vid = seed.video["id"]
    a = open_as("alice", f"/videos/{vid}?frame=20")
    b = open_as("bob", f"/videos/{vid}?frame=20")
    wait_live(a)
    wait_live(b)
    before = a.locator("[data-testid=object-row]").count()
    last_seq = a.evaluate("() => window.__maskflow.ctl.client.lastSeq")
    # Cut A off: its socket closes and every reconnect attempt fails until we allow it again.
    a.evaluate("""() => { const c = window.__maskflow.ctl.client; window.__realFactory = c.opts.socketFactory;
      c.opts.socketFactory = () => { throw new Error('offline'); }; c.socket.close(); }""")
    a.wait_for_selector("[data-testid=connection][data-state=reconnecting]")
    assert "Reconnecting" in a.locator("[data-testid=connection]").inner_text()

    # Meanwhile B makes a new object with a mask on frame 20.
    b.evaluate("() => window.__maskflow.ctl.select(null)")
    click_video(b, 0.5, 0.75)
    b.wait_for_function(f"() => document.querySelectorAll('[data-testid=object-row]').length === {before + 1}",
                        timeout=60_000)
    new_id = b.evaluate("() => window.__maskflow.ctl.selected")
    b.wait_for_function(
        f"() => window.__maskflow.ctl.store.masksAt(20)?.has({new_id})", timeout=60_000)
    assert a.locator("[data-testid=object-row]").count() == before  # A really missed it

    # A comes back: it sends sync {since_seq} and receives what it missed.
    a.evaluate("""() => { const c = window.__maskflow.ctl.client; c.opts.socketFactory = window.__realFactory;
      window.__syncs = []; const real = c.opts.socketFactory;
      c.opts.socketFactory = (url) => { const s = real(url); const send = s.send.bind(s);
        s.send = (d) => { if (JSON.parse(d).type === 'sync') window.__syncs.push(JSON.parse(d)); send(d); };
        return s; }; c.reconnectNow(); }""")
    wait_live(a)
    syncs = a.evaluate("() => window.__syncs")
    assert syncs == [{"type": "sync", "since_seq": last_seq}]
    a.wait_for_selector(f"[data-testid=object-row][data-object-id='{new_id}']", timeout=30_000)
    a.wait_for_function(f"() => window.__maskflow.ctl.store.masksAt(20)?.has({new_id})", timeout=30_000)
    a.wait_for_function(
        f"() => Number(document.querySelector(\"[data-testid=track][data-object-id='{new_id}']\")"
        ".dataset.maskFrames) >= 1")


def test_server_errors_show_as_toasts(mf_server, seed, open_as):
    page = open_as("vera", f"/videos/{seed.video['id']}?frame=0")
    wait_live(page)
    # The UI hides edits from viewers; a forced one still gets the server's refusal as a toast.
    page.evaluate("() => window.__maskflow.ctl.createObject(null, 'sneaky')")
    toast = page.wait_for_selector("[data-testid=toast-error]", timeout=15_000)
    assert toast.inner_text().strip()
    # Uncorrelated server errors (no req) are shown too.
    page.evaluate("() => window.__maskflow.inject({type: 'error', code: 'unavailable', message: 'No inference worker is alive.'})")
    page.wait_for_selector("[data-testid=toast-error]:has-text('No inference worker is alive.')")
