"""Screenshots for the README, and the editor's speed: masks message → overlay painted,
and playback through cached frames, at 1080p in Chromium."""
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from .conftest import ROOT, overlay_mask, wait_live

pytestmark = pytest.mark.browser
SHOTS = ROOT / "docs" / "screenshots"


def _encode(m: np.ndarray) -> dict:
    r = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    return {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode()}


def _ws_session(server, user: str, video_id: int):
    from websockets.sync.client import connect

    token = server.api(user) and server.tokens[user]
    ws = connect(f"{server.base.replace('http', 'ws')}/ws/videos/{video_id}/",
                 additional_headers={"Authorization": f"Token {token}"}, open_timeout=30)
    first = json.loads(ws.recv(timeout=30))
    assert first["type"] == "session.state", first
    return ws


def _request(ws, msg: dict, req: str, inbox: list | None = None, timeout: float = 60) -> dict:
    """Send with a req id and wait for its ack; other messages go to `inbox`. A bulk client:
    when the server pushes back (`rate_limited`: its queue or the user's rate is full), wait
    and send again, as a well-behaved script should."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.send(json.dumps({**msg, "req": req}))
        while True:
            m = json.loads(ws.recv(timeout=timeout))
            if m.get("req") == req:
                break
            if inbox is not None:
                inbox.append(m)
        if m["type"] == "error" and m["code"] == "rate_limited":
            time.sleep(0.25)
            continue
        assert m["type"] == "ack", m
        return m
    raise AssertionError(f"no ack for {msg['type']}")


def _save_png(page, name: str) -> Path:
    """Screenshot, quantised to a palette so the committed PNGs stay small."""
    from PIL import Image

    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    img = Image.open(path).convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=0)
    img.save(path, optimize=True)
    return path


def test_screenshots_of_the_editor_and_the_project_page(mf_server, seed, open_as, tmp_path):
    from webapp.videos.synthetic import shape_masks, write_video

    n, w, h = 72, 960, 540
    clip = write_video(tmp_path / "shapes-crossing.mp4", num_frames=n, width=w, height=h)
    video = mf_server.upload("alice", seed.project_id, clip)
    vid = video["id"]
    # SAM 2 runs on random weights here, so clicks would give noise. The masks in the
    # screenshot are the clip's ground truth, set per frame through `prompt.mask` (the same
    # path as an import); the random-weights banner stays visible.
    ws = _ws_session(mf_server, "alice", vid)
    try:
        ids = []
        for i, (label, name) in enumerate((("disc", "red disc"), ("box", "blue box"))):
            inbox: list = []
            ack = _request(ws, {"type": "object.create", "label": label, "name": name,
                                "color": ["#ff4d6d", "#4dabf7"][i]}, f"c{i}", inbox)
            while not any(m["type"] == "object.created" and m["seq"] == ack["seq"] for m in inbox):
                inbox.append(json.loads(ws.recv(timeout=30)))
            ids += [m["object"]["id"] for m in inbox if m["type"] == "object.created" and m["seq"] == ack["seq"]]
        for f in range(0, n):
            gt = shape_masks(f, w, h, n)
            for oid, key in zip(ids, ("disc", "box")):
                if key == "box" and f > 60:
                    continue  # leave a gap so the timeline shows unlabeled frames
                _request(ws, {"type": "prompt.mask", "object_id": oid, "frame": f, "rle": _encode(gt[key])},
                         f"m{oid}-{f}")
        _request(ws, {"type": "object.update", "object_id": ids[0], "review_status": "accepted"}, "u0")
        _request(ws, {"type": "object.update", "object_id": ids[1], "review_status": "submitted"}, "u1")
    finally:
        ws.close()
    # Acks come when a prompt is stored; its masks follow after inference. Wait for all of them.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tracks = mf_server.api("alice").get(f"{mf_server.base}/api/videos/{vid}/timeline/", timeout=30).json()
        if sorted(len(t["mask_frames"]) for t in tracks) == [61, n]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"masks still missing: {[len(t['mask_frames']) for t in tracks]}")

    a = open_as("alice", f"/videos/{vid}?frame=28")
    b = open_as("bob", f"/videos/{vid}?frame=44")
    wait_live(a)
    wait_live(b)
    a.wait_for_selector("[data-testid=presence-user][data-username=bob]")
    a.wait_for_function("() => document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects === '2'")
    a.wait_for_function("() => [...document.querySelectorAll('[data-testid=track]')]"
                        f".map((t) => Number(t.dataset.maskFrames)).sort((x, y) => x - y).join() === '61,{n}'")
    a.locator("[data-testid=object-row]").first.click()
    a.wait_for_timeout(400)
    editor = _save_png(a, "editor.png")

    p = open_as("alice", f"/projects/{seed.project_id}")
    p.wait_for_selector("[data-testid=video-card] img")
    p.wait_for_function("() => [...document.querySelectorAll('.thumb img')].every((i) => i.complete)")
    project = _save_png(p, "project.png")
    for shot in (editor, project):
        assert 20_000 < shot.stat().st_size < 600_000, (shot, shot.stat().st_size)


def _blob_masks(rng, h: int, w: int, k: int) -> list[np.ndarray]:
    yy, xx = np.mgrid[:h, :w]
    out = []
    for _ in range(k):
        cx, cy = rng.integers(200, w - 200), rng.integers(150, h - 150)
        ax, ay = rng.integers(60, 260), rng.integers(60, 220)
        ang = np.arctan2(yy - cy, xx - cx)
        out.append(((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1 + 0.15 * np.sin(ang * 7))
    return out


def test_masks_paint_within_a_frame_budget_and_playback_keeps_fps_at_1080p(mf_server, seed, open_as, tmp_path):
    from webapp.videos.synthetic import write_video

    w, h, n, fps = 1920, 1080, 24, 24
    video = mf_server.upload("alice", seed.project_id, write_video(tmp_path / "hd.mp4", num_frames=n,
                                                                   width=w, height=h, fps=fps))
    page = open_as("alice", f"/videos/{video['id']}?frame=0")
    wait_live(page)
    # Ten real objects, created over the socket by the UI's controller.
    ids = page.evaluate("""async () => { const ids = [];
      for (let i = 0; i < 10; i++) ids.push(await window.__maskflow.ctl.createObject(null, 'obj ' + i));
      return ids; }""")
    assert len(set(ids)) == 10 and None not in ids

    rng = np.random.default_rng(0)
    sets = [_blob_masks(rng, h, w, 10) for _ in range(2)]
    encoded = [[_encode(m) for m in s] for s in sets]
    samples = []
    for i in range(40):
        k = i % 2
        msg = {"type": "masks", "seq": 10_000_000 + i, "frame": 0, "source": "propagation", "by": "bench",
               "masks": [{"object_id": oid, "rle": rle, "score": 0.9} for oid, rle in zip(ids, encoded[k])]}
        page.evaluate("(m) => window.__maskflow.inject(m)", json.dumps(msg))
    paints = page.evaluate("() => window.__maskflow.paints.filter((p) => p.seq >= 10000000)")
    assert len(paints) == 40 and all(p["objects"] == 10 for p in paints)
    samples = [p["ms"] for p in paints[5:]]  # after JIT warm-up
    median, p95 = statistics.median(samples), float(np.percentile(samples, 95))
    # The last paint shows exactly the union of the ten masks it was sent.
    union = np.logical_or.reduce(sets[39 % 2])
    assert np.array_equal(overlay_mask(page), union)

    # Side by side: the straightforward way (decode each mask to a full bitmap, then write
    # every pixel, transposed, into a row-major ImageData) on the same masks, same page.
    naive = page.evaluate(NAIVE_PAINT, json.dumps(encoded[1]))
    naive_median = statistics.median(naive[2:])

    hd_play = _playback(page, n)

    # The same at 640x360 (the seeded clip).
    sd = open_as("alice", f"/videos/{seed.video['id']}?frame=0")
    wait_live(sd)
    sd_play = _playback(sd, seed.video["num_frames"])

    result = {"video": f"{w}x{h}", "objects": 10, "paint_ms_median": round(median, 2),
              "paint_ms_p95": round(p95, 2), "paint_samples": len(samples), "mask_area_px": int(union.sum()),
              "naive_paint_ms_median": round(naive_median, 2),
              "speedup_vs_naive": round(naive_median / max(median, 0.01), 1),
              "video_fps": fps, "playback_fps_1080p": hd_play["fps"], "stalls_1080p": hd_play["stalls"],
              "playback_fps_360p": sd_play["fps"], "stalls_360p": sd_play["stalls"]}
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "frontend_perf.json").write_text(json.dumps(result, indent=2) + "\n")
    print("frontend perf:", result)
    assert median <= 16.0, result
    # Cached frames never stall playback. On an idle 2-core box both sizes play at 23.8-23.9 of
    # 24 fps (bench/RESULTS.md); the browser, the server and its inference share those cores,
    # so under CI load the assertion is a floor that still catches a real regression (bicubic
    # scaling once took 1080p playback to 8 fps).
    assert sd_play["stalls"] == 0 and sd_play["fps"] >= 0.5 * fps, result
    assert hd_play["stalls"] == 0 and hd_play["fps"] >= 0.4 * fps, result


NAIVE_PAINT = """(raw) => {
  const rles = JSON.parse(raw); const [h, w] = rles[0].size;
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  const img = ctx.createImageData(w, h); const px = new Uint32Array(img.data.buffer);
  const times = [];
  for (let rep = 0; rep < 12; rep++) {
    const t0 = performance.now();
    px.fill(0);
    rles.forEach((rle, k) => {
      const m = window.__maskflow.decodeRle(rle); const color = (0x80 << 24) | (k * 25);
      for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) if (m[x * h + y]) px[y * w + x] = color;
    });
    ctx.putImageData(img, 0, 0);
    times.push(performance.now() - t0);
  }
  return times;
}"""


def _playback(page, n: int) -> dict:
    """Loads every frame into the cache, plays from frame 0 to the end, returns the rate."""
    page.evaluate(f"async () => {{ for (let i = 0; i < {n}; i++) await window.__maskflow.cache.load(i); }}")
    page.click("[data-testid=play]")
    page.wait_for_function(f"() => window.__maskflow.frame() === {n - 1}", timeout=60_000)
    stats = page.evaluate("() => window.__maskflow.playStats")
    return {"fps": round(stats["frames"] / (stats["ms"] / 1000), 1), "stalls": stats["stalls"]}
