"""The stage as a new user sees it, in Chromium: an object is drawn in its label's colour (and
recoloured at once when relabelled), a hidden object's click markers go with its mask, markers
keep their on-screen size when zoomed, and the wheel stops at 400 %."""
import json

import numpy as np
import pytest

from .conftest import wait_live
from .test_screenshots_and_speed import _encode, _request, _ws_session

pytestmark = pytest.mark.browser

# The overlay canvas is stored transposed: video pixel (x, y) is canvas pixel (y, x).
_PIXEL = """([x, y]) => {
  const d = document.querySelector('[data-testid=overlay-canvas]').getContext('2d').getImageData(y, x, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}"""


def _rgb(hex_: str) -> np.ndarray:
    return np.array([int(hex_[i:i + 2], 16) for i in (1, 3, 5)])


def test_label_colour_relabel_hidden_markers_and_zoom(mf_server, seed, open_as):
    vid = seed.video["id"]
    h, w = seed.video["height"], seed.video["width"]
    project = mf_server.api("alice").get(f"{mf_server.base}/api/projects/{seed.project_id}/", timeout=30).json()
    colours = {lab["name"]: lab["color"] for lab in project["labels"]}
    # Distinct label colours, so a relabel must change what is drawn.
    admin = mf_server.api("admin")

    def set_colour(name: str, colour: str) -> None:
        lab = next(lab for lab in project["labels"] if lab["name"] == name)
        r = admin.patch(f"{mf_server.base}/api/projects/{seed.project_id}/labels/{lab['id']}/",
                        json={"color": colour}, timeout=30)
        assert r.status_code == 200, r.text

    before = dict(colours)
    for name, colour in (("disc", "#ff0000"), ("box", "#0000ff")):
        set_colour(name, colour)
        colours[name] = colour
    try:
        _check(mf_server, seed, open_as, colours)
    finally:  # the session's other tests see the project as it was
        for name in ("disc", "box"):
            set_colour(name, before[name])


def _check(mf_server, seed, open_as, colours):
    vid = seed.video["id"]
    h, w = seed.video["height"], seed.video["width"]
    own = "#00ff00"  # the object's own colour, which the label's must override

    ws = _ws_session(mf_server, "alice", vid)
    try:
        inbox: list = []
        ack = _request(ws, {"type": "object.create", "label": "disc", "name": "colour probe", "color": own}, "c", inbox)
        while not any(m["type"] == "object.created" and m["seq"] == ack["seq"] for m in inbox):
            inbox.append(json.loads(ws.recv(timeout=30)))
        oid = next(m["object"]["id"] for m in inbox if m["type"] == "object.created" and m["seq"] == ack["seq"])
        sq = np.zeros((h, w), bool)
        sq[100:200, 100:260] = True
        _request(ws, {"type": "prompt.mask", "object_id": oid, "frame": 0, "rle": _encode(sq)}, "m")
        _request(ws, {"type": "prompt.add", "object_id": oid, "frame": 1, "points": [[300, 150]], "labels": [1]}, "p")
    finally:
        ws.close()

    page = open_as("alice", f"/videos/{vid}?frame=0")
    wait_live(page)
    page.wait_for_function("() => Number(document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects) >= 1",
                           timeout=60_000)
    r, g, b, a = page.evaluate(_PIXEL, [150, 150])
    assert a > 0 and np.abs(np.array([r, g, b]) - _rgb(colours["disc"])).max() < 12, (r, g, b, a)

    # Relabel in the object list: drawn in the new label's colour at once.
    row = page.locator(f"[data-testid=object-row][data-object-id='{oid}']")
    row.get_by_label("Label", exact=True).select_option("box")
    page.wait_for_function(f"""() => {{ const d = document.querySelector('[data-testid=overlay-canvas]')
      .getContext('2d').getImageData(150, 150, 1, 1).data; return d[2] > 200 && d[0] < 40; }}""")
    swatch = row.locator(".swatch").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert swatch == "rgb(0, 0, 255)", swatch

    # Frame 1 has the click: its marker is drawn, then hidden with the object.
    page.keyboard.press("ArrowRight")
    marker = page.locator(f".prompt-object[data-object-id='{oid}'] .prompt-point circle")
    marker.wait_for()
    size1 = marker.bounding_box()["width"]
    # Zoom: markers keep their on-screen size; the wheel stops at 400 %.
    stage = page.locator("[data-testid=prompt-layer]").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    for _ in range(5):
        page.mouse.wheel(0, -120)
    page.wait_for_selector(".zoom-badge")
    five = int(page.locator(".zoom-badge").inner_text().split("%")[0])
    assert 120 < five < 250, five
    assert abs(marker.bounding_box()["width"] - size1) < 1.5
    for _ in range(40):
        page.mouse.wheel(0, -240)
    page.wait_for_function("() => document.querySelector('.zoom-badge').textContent.startsWith('400%')")
    assert abs(marker.bounding_box()["width"] - size1) < 1.5
    page.keyboard.press("0")
    row.get_by_label("Hide object").click()
    page.wait_for_selector(f".prompt-object[data-object-id='{oid}']", state="detached")
    assert not page.errors, page.errors
