"""End-to-end: the editor's hand tools (brush, eraser, polygon, fill holes, remove specks), seen
live by a second user, and the mask encoder they send with, checked against pycocotools."""
import base64
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import wait_live

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FRAME = 44
W, H = 640, 360

# Records every request the page sends, so the test reads the exact prompt.mask.
RECORD = """() => { window.__sent = []; const c = window.__maskflow.ctl.client;
  const orig = c.request.bind(c); c.request = (m) => { window.__sent.push(m); return orig(m); }; }"""

# An object's mask on a frame as this page holds it: row-major bits, base64 (null: none).
STORE_MASK = """([f, id]) => { const e = window.__maskflow.ctl.store.masksAt(f)?.get(id);
  if (!e) return null; const m = window.__maskflow.decodeRle(e.rle); const [h, w] = e.rle.size;
  const bits = new Uint8Array(Math.ceil(h * w / 8));
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) if (m[x * h + y]) { const p = y * w + x; bits[p >> 3] |= 1 << (p & 7); }
  let s = ''; for (let i = 0; i < bits.length; i += 8192) s += String.fromCharCode(...bits.subarray(i, i + 8192));
  return btoa(s); }"""


def decode(rle: dict) -> np.ndarray:
    from pycocotools import mask as mask_utils

    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()}).astype(bool)


def store_mask(page, obj_id: int):
    b64 = page.evaluate(STORE_MASK, [FRAME, obj_id])
    if b64 is None:
        return None
    bits = np.unpackbits(np.frombuffer(base64.b64decode(b64), np.uint8), bitorder="little")
    return bits[: W * H].reshape(H, W).astype(bool)


def shot(page, name: str) -> None:
    """Screenshot into docs/screenshots/, quantised to a palette so the PNGs stay small."""
    from PIL import Image

    path = SHOTS / name
    page.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=0).save(
        path, optimize=True)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum()) / max(1, float((a | b).sum()))


def to_screen(page, x: float, y: float) -> tuple[float, float]:
    box = page.locator("[data-testid=prompt-layer]").bounding_box()
    return box["x"] + box["width"] * x / W, box["y"] + box["height"] * y / H


def drag(page, pts, steps: int = 8) -> None:
    page.mouse.move(*to_screen(page, *pts[0]))
    page.mouse.down()
    for p in pts[1:]:
        page.mouse.move(*to_screen(page, *p), steps=steps)
    page.mouse.up()


def last_mask_prompt(page, n_before: int) -> dict:
    """The newest prompt.mask the page sent, after waiting for one beyond the first n_before."""
    page.wait_for_function(
        f"() => window.__sent.filter((m) => m.type === 'prompt.mask').length > {n_before}", timeout=30_000)
    return page.evaluate("() => window.__sent.filter((m) => m.type === 'prompt.mask').at(-1)")


def n_mask_prompts(page) -> int:
    return page.evaluate("() => window.__sent.filter((m) => m.type === 'prompt.mask').length")


def wait_store(page, obj_id: int, pred, what: str, timeout: float = 60.0):
    """Polls the page's copy of the object's mask until pred(mask) holds."""
    import time

    deadline = time.monotonic() + timeout
    m = None
    while time.monotonic() < deadline:
        m = store_mask(page, obj_id)
        if m is not None and pred(m):
            return m
        time.sleep(0.2)
    raise AssertionError(f"{what}: never seen (last mask area {None if m is None else int(m.sum())})")


@pytest.fixture(scope="module")
def hand_video(mf_server, seed) -> int:
    """A video of its own: the objects made here must not show up in other tests' counts."""
    return mf_server.upload("alice", seed.project_id, seed.clip)["id"]


def settled(a, b, obj_id: int, pred, what: str) -> np.ndarray:
    """A's copy of the mask once it is the server's (B only ever has the server's) and pred
    holds: A shows its own edit at once, then SAM 2's answer replaces it."""
    def same(m):
        other = store_mask(b, obj_id)
        return other is not None and np.array_equal(m, other) and pred(m)
    return wait_store(a, obj_id, same, what)


def test_encoder_matches_pycocotools_exactly(mf_server, seed, open_as):
    """The counts string hand edits send is byte for byte pycocotools' own."""
    from pycocotools import mask as mask_utils

    page = open_as("bob", f"/videos/{seed.video['id']}?frame=0")
    wait_live(page)
    rng = np.random.default_rng(7)
    cases = [np.zeros((H, W), bool), np.ones((H, W), bool), rng.random((H, W)) < 0.5,
             rng.random((37, 53)) < 0.05, np.zeros((1, 1), bool), np.ones((1, 1), bool)]
    yy, xx = np.mgrid[:H, :W]
    cases.append((xx - 300) ** 2 + (yy - 150) ** 2 < 90 ** 2)  # long runs: multi-character counts
    first = np.zeros((H, W), bool)
    first[0, 0] = True  # starts with a one: counts begin with a zero run
    cases.append(first)
    big = np.zeros((1080, 1920), bool)
    big[100:900, 50:1800] = True
    big[400:500, 600:700] = False
    cases.append(big)
    for m in cases:
        h, w = m.shape
        col_major = base64.b64encode(np.asfortranarray(m).ravel(order="F").astype(np.uint8).tobytes()).decode()
        got = page.evaluate("""([b64, h, w]) => { const s = atob(b64); const m = new Uint8Array(s.length);
          for (let i = 0; i < s.length; i++) m[i] = s.charCodeAt(i);
          return window.__maskflow.encodeRle(m, h, w); }""", [col_major, h, w])
        want = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
        assert got["size"] == [h, w]
        assert got["counts"] == want["counts"].decode(), f"mask {h}x{w} area {m.sum()}"


def test_brush_eraser_polygon_and_cleanup_are_seen_live_by_a_teammate(mf_server, hand_video, open_as):
    vid = hand_video
    a = open_as("alice", f"/videos/{vid}?frame={FRAME}")
    b = open_as("bob", f"/videos/{vid}?frame={FRAME}")
    wait_live(a)
    wait_live(b)
    a.evaluate(RECORD)
    rows = a.locator("[data-testid=object-row]").count()

    # A new object, then the brush (B): the tool rail shows it, the cursor is a circle.
    a.keyboard.press("n")
    a.wait_for_function(f"() => document.querySelectorAll('[data-testid=object-row]').length === {rows + 1}")
    a.wait_for_function("() => window.__maskflow.ctl.selected !== null")
    obj = a.evaluate("() => window.__maskflow.ctl.selected")
    a.keyboard.press("b")
    expect(a.locator("[data-testid=tool-brush]")).to_have_attribute("aria-pressed", "true")
    layer = a.locator("[data-testid=prompt-layer]")
    assert layer.get_attribute("data-tool") == "brush"

    # Size: . grows it by a quarter, , shrinks it; the label on the rail follows.
    r0 = float(a.locator("[data-testid=brush-size]").input_value())
    a.keyboard.press(".")
    a.keyboard.press(".")
    a.keyboard.press(".")
    a.keyboard.press(",")
    r = float(a.locator("[data-testid=brush-size]").input_value())
    assert r > r0 * 1.4, (r0, r)
    a.locator("[data-testid=brush-size]").fill("24")
    a.evaluate("() => document.activeElement && document.activeElement.blur()")
    r = 24.0

    # The round cursor has the brush's true size on screen, also when zoomed in.
    a.mouse.move(*to_screen(a, 320, 180))
    cursor = a.locator("[data-testid=brush-cursor]")
    scale = layer.bounding_box()["width"] / W
    assert abs(cursor.bounding_box()["width"] - 2 * r * scale) < 3
    a.mouse.wheel(0, -240)
    a.wait_for_selector(".zoom-badge")
    a.mouse.move(*to_screen(a, 320, 180))
    zscale = layer.bounding_box()["width"] / W
    assert zscale > scale * 1.1
    assert abs(cursor.bounding_box()["width"] - 2 * r * zscale) < 3
    # Shift+wheel sizes the brush instead of zooming.
    a.keyboard.down("Shift")
    a.mouse.wheel(0, -100)
    a.keyboard.up("Shift")
    a.wait_for_function("() => Number(document.querySelector('[data-testid=brush-size]').value) > 24")
    assert layer.bounding_box()["width"] / W == pytest.approx(zscale)
    a.keyboard.press("0")
    a.wait_for_selector(".zoom-badge", state="detached")
    a.locator("[data-testid=brush-size]").fill("24")
    a.evaluate("() => document.activeElement && document.activeElement.blur()")

    # A brush stroke from (150, 120) to (450, 120): one prompt.mask with the whole new mask.
    drag(a, [(150, 120), (300, 125), (450, 120)])
    sent = last_mask_prompt(a, 0)
    assert sent["object_id"] == obj and sent["frame"] == FRAME and sent["rle"]["size"] == [H, W]
    stroke = decode(sent["rle"])
    assert stroke[120, 150] and stroke[122, 300] and stroke[120, 450] and stroke[140, 300]
    assert not stroke[120, 100] and not stroke[170, 300] and not stroke[300, 300]
    expected = 300 * 2 * r + np.pi * r * r
    assert abs(stroke.sum() - expected) < 0.08 * expected, (stroke.sum(), expected)
    # B sees it live: SAM 2 takes it as the frame's mask (its output is 64 px coarse here).
    seen = wait_store(b, obj, lambda m: iou(m, stroke) > 0.6, "B sees A's brush stroke")
    b.wait_for_function("() => Number(document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects) > 0")
    a.mouse.move(*to_screen(a, 380, 250))
    shot(a, "hand-tools-brush.png")
    shot(b, "hand-tools-teammate.png")

    # The eraser (E) cuts the stroke in two, starting from the object's current mask.
    a.keyboard.press("e")
    expect(a.locator("[data-testid=tool-eraser]")).to_have_attribute("aria-pressed", "true")
    n = n_mask_prompts(a)
    before_erase = store_mask(a, obj)
    drag(a, [(300, 40), (300, 220)])
    erased = decode(last_mask_prompt(a, n)["rle"])
    assert not erased[120:130, 290:310].any()
    assert (erased & ~before_erase).sum() == 0  # erasing never adds
    assert erased[120, 160] and erased[120, 440]
    wait_store(b, obj, lambda m: not m[115:135, 295:305].any() and m[120, 180], "B sees the cut")

    # Undo (Z) puts the mask from before the eraser back, for both.
    n = n_mask_prompts(a)
    a.keyboard.press("z")
    restored = decode(last_mask_prompt(a, n)["rle"])
    assert np.array_equal(restored, before_erase)
    wait_store(b, obj, lambda m: m[118:126, 298:302].all(), "B sees the undo")

    # Polygon (G): four vertices, a click on the first one fills it; the stroke stays.
    a.keyboard.press("g")
    expect(a.locator("[data-testid=tool-polygon]")).to_have_attribute("aria-pressed", "true")
    n = n_mask_prompts(a)
    for x, y in [(120, 230), (300, 220), (330, 330), (140, 330)]:
        a.mouse.click(*to_screen(a, x, y))
    expect(a.locator("[data-testid=polygon-draft]")).to_have_attribute("data-vertices", "4")
    a.mouse.move(*to_screen(a, 200, 300))
    shot(a, "hand-tools-polygon-draft.png")
    # Backspace drops the last vertex; Esc cancels the polygon without deselecting.
    a.keyboard.press("Backspace")
    expect(a.locator("[data-testid=polygon-draft]")).to_have_attribute("data-vertices", "3")
    a.keyboard.press("Escape")
    expect(a.locator("[data-testid=polygon-draft]")).to_have_count(0)
    assert a.evaluate("() => window.__maskflow.ctl.selected") == obj
    assert n_mask_prompts(a) == n
    for x, y in [(120, 230), (300, 220), (330, 330), (140, 330), (120.5, 230.5)]:
        a.mouse.click(*to_screen(a, x, y))
    poly = decode(last_mask_prompt(a, n)["rle"])
    assert poly[280, 220] and poly[240, 140] and not poly[340, 320]
    assert poly[120, 160]  # the brush stroke is still there
    wait_store(b, obj, lambda m: m[270:290, 200:240].all() and m[120, 180], "B sees the polygon")

    # The eraser cuts a hole into the polygon (a dab), for fill holes below.
    a.keyboard.press("e")
    a.locator("[data-testid=brush-size]").fill("14")
    a.evaluate("() => document.activeElement && document.activeElement.blur()")
    n = n_mask_prompts(a)
    drag(a, [(220, 280), (221, 280)])
    holed = decode(last_mask_prompt(a, n)["rle"])
    assert not holed[280, 220] and holed[280, 250]
    # A speck far away with a small brush.
    a.keyboard.press("b")
    n = n_mask_prompts(a)
    drag(a, [(560, 60), (561, 60)])
    specked = decode(last_mask_prompt(a, n)["rle"])
    assert specked[60, 560]
    # Fill holes and remove specks work on the object's current mask (what SAM 2 returned).
    cur = settled(a, b, obj, lambda m: m[55:65, 555:565].any(), "A has the speck back from the server")
    a.fill("[data-testid=clean-size]", "1500")
    n = n_mask_prompts(a)
    a.click("[data-testid=remove-specks]")
    cleaned = decode(last_mask_prompt(a, n)["rle"])
    assert not cleaned[50:70, 550:570].any()
    assert (cleaned & ~cur).sum() == 0  # removing never adds
    assert cleaned.sum() > 0.9 * (cur.sum() - cur[50:70, 550:570].sum())
    wait_store(b, obj, lambda m: not m[50:70, 550:570].any(), "B sees the speck removed")
    # Fill holes: the eraser's hole (as SAM 2 returned it) closes, nothing else changes.
    cur = settled(a, b, obj, lambda m: not m[50:70, 550:570].any() and not m[275:285, 215:225].any(),
                  "A has the hole from the server")
    a.fill("[data-testid=clean-size]", "3000")
    n = n_mask_prompts(a)
    a.click("[data-testid=fill-holes]")
    filled = decode(last_mask_prompt(a, n)["rle"])
    assert filled[275:285, 215:225].all()
    assert (cur & ~filled).sum() == 0
    wait_store(b, obj, lambda m: m[278:282, 218:222].all(), "B sees the hole filled")
    shot(a, "hand-tools-result.png")

    # The prompt log has the hand edits (kind mask) for everyone; the help lists the keys.
    rows = mf_server.api("bob").get(f"{mf_server.base}/api/videos/{vid}/prompts/", timeout=30).json()
    mine = [p for p in rows if p["object_id"] == obj and p["frame"] == FRAME]
    assert len([p for p in mine if p["kind"] == "mask"]) >= 6
    a.keyboard.press("?")
    help_text = a.locator("[data-testid=help-overlay]").inner_text()
    for key, what in (("B", "Brush"), ("E", "Eraser"), ("G", "Polygon")):
        assert re.search(rf"{key}\s+{what}", help_text), help_text
    a.keyboard.press("Escape")
    # Esc (nothing else open) deselects, so the next click starts a new object.
    a.keyboard.press("Escape")
    a.wait_for_function("() => window.__maskflow.ctl.selected === null")
    assert not a.errors and not b.errors, a.errors + b.errors


def test_brush_with_nothing_selected_creates_an_object(mf_server, hand_video, open_as):
    vid = hand_video
    a = open_as("bob", f"/videos/{vid}?frame={FRAME}")
    wait_live(a)
    a.evaluate(RECORD)
    rows = a.locator("[data-testid=object-row]").count()
    a.keyboard.press("Escape")
    a.click("[data-testid=tool-brush]")
    a.evaluate("() => document.activeElement && document.activeElement.blur()")
    drag(a, [(500, 300), (600, 300)])
    a.wait_for_function(f"() => document.querySelectorAll('[data-testid=object-row]').length === {rows + 1}")
    sent = last_mask_prompt(a, 0)
    assert sent["object_id"] == a.evaluate("() => window.__maskflow.ctl.selected")
    assert decode(sent["rle"])[300, 550]
    # The eraser with nothing selected does nothing (and says nothing went wrong).
    a.keyboard.press("Escape")
    a.keyboard.press("e")
    n = n_mask_prompts(a)
    drag(a, [(500, 300), (600, 300)])
    a.wait_for_timeout(500)
    assert n_mask_prompts(a) == n
    # A viewer has no hand tools.
    v = open_as("vera", f"/videos/{vid}?frame={FRAME}")
    wait_live(v)
    assert v.locator("[data-testid=tool-brush]").count() == 0
    v.keyboard.press("b")
    assert v.locator("[data-testid=prompt-layer]").get_attribute("data-tool") == "prompt"
    assert not a.errors and not v.errors


def test_zoom_is_gentle_markers_keep_their_size_and_esc_deselects(mf_server, hand_video, open_as):
    """Issue 15's first-use trips: five wheel notches went to 605 %, click markers grew with
    the zoom until they hid the object, 0 stopped resetting after the opacity slider had
    focus, and Esc cancelled a propagation instead of deselecting."""
    vid = hand_video
    page = open_as("bob", f"/videos/{vid}?frame=6")
    wait_live(page)
    page.evaluate(RECORD)
    page.keyboard.press("Escape")
    page.mouse.click(*to_screen(page, 320, 180))
    marker = page.locator(".prompt-point circle").first
    marker.wait_for(timeout=60_000)
    before = marker.bounding_box()["width"]
    page.mouse.move(*to_screen(page, 320, 180))
    for _ in range(5):
        page.mouse.wheel(0, -240)  # one notch of Chromium's wheel
    page.wait_for_selector(".zoom-badge")
    zoom = int(page.locator(".zoom-badge").inner_text().split("%")[0])
    assert 150 <= zoom <= 300, zoom
    assert abs(marker.bounding_box()["width"] - before) < 2
    # The opacity slider keeps focus after use; 0 still resets the zoom.
    page.locator("[data-testid=opacity]").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("0")
    page.wait_for_selector(".zoom-badge", state="detached")
    # Esc during a propagation deselects (the next click starts a new object) and leaves the
    # propagation running: it has its own Cancel button.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.wait_for_function("() => window.__maskflow.ctl.selected !== null")
    page.click("[data-testid=propagate-forward]")
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.__maskflow.ctl.selected === null")
    page.wait_for_timeout(300)
    assert "propagate.cancel" not in page.evaluate("() => window.__sent.map((m) => m.type)")
    page.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=propagation]');"
        " return el && el.dataset.running === '0'; }", timeout=120_000)
    assert not page.errors, page.errors
