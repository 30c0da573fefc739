"""The editor at 10,000 frames x 50 masklets, in Chromium: the video ingested through the real
upload endpoint (a 64x48 clip written with PyAV), the masklets written with the ORM (sparse
masks, a few dense runs, prompts) in a child process on the server's database. Measures the
timeline's render per playhead move, the frame step latency and the page's JS heap after
scrubbing the whole video; checks the stage keeps its size with 50 objects and that only the
visible tracks and rows are in the DOM. Figures are printed (pytest -s) for bench/RESULTS.md."""
import json
import os
import statistics
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, wait_live
from .test_screenshots_and_speed import _save_png

pytestmark = pytest.mark.browser

N_FRAMES, N_OBJECTS, W, H = 10_000, 50, 64, 48

# Runs in a child process on the server's SQLite database: 50 objects (some with long names,
# most with a label), masks every 5th frame over a 3000-frame span each (two dense objects over
# 2000 frames), and 4 point prompts per object, each with its own seq.
_SEED = r"""
import json, sys
import django
django.setup()
import numpy as np
from pycocotools import mask as mask_utils
from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.annotations.seq import next_seq
from webapp.projects.models import LabelClass
from webapp.videos.models import Video

vid, n, k, w, h = map(int, sys.argv[1:6])
video = Video.objects.get(pk=vid)
labels = list(LabelClass.objects.filter(project_id=video.project_id).order_by("id"))
palette = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6"]
objs, masks, prompts = [], [], []
for i in range(k):
    name = f"pedestrian crossing the street number {i + 1} (long name)" if i % 7 == 0 else f"object {i + 1}"
    o = Object.objects.create(video=video, label=labels[i % len(labels)] if i % 5 else None, name=name,
                              color=palette[i % len(palette)], seq=next_seq(vid))
    m = np.zeros((h, w), np.uint8)
    x, y = (i * 7) % (w - 12), (i * 5) % (h - 10)
    m[y:y + 10, x:x + 12] = 1
    r = mask_utils.encode(np.asfortranarray(m))
    rle = {"size": [h, w], "counts": r["counts"].decode()}
    start = (i * 170) % (n - 3000)
    frames = range(0, 2000) if i < 2 else range(start, start + 3000, 5)
    for f in frames:
        masks.append(FrameMask(object=o, video=video, frame=f, rle=rle, area=120, bbox=[x, y, 12, 10],
                               score=0.9, source="propagation", seq=0))
    for j in range(4):
        f = min(n - 1, start + j * 750)
        prompts.append(Prompt(video=video, seq=next_seq(vid), object=o, frame=f, kind="point",
                              payload={"points": [[x + 6, y + 5]], "labels": [1], "box": None, "clear_old": False}))
FrameMask.objects.bulk_create(masks, batch_size=2000)
Prompt.objects.bulk_create(prompts, batch_size=500)
print(json.dumps({"objects": k, "masks": len(masks), "prompts": len(prompts)}))
"""

# Steps the playhead with the → key in the page, timing each until the frame and its masks
# are drawn (both canvases carry the frame they show).
_STEP = """async (steps) => {
  const out = [];
  const frameC = document.querySelector('[data-testid=frame-canvas]');
  const overC = document.querySelector('[data-testid=overlay-canvas]');
  for (let i = 0; i < steps; i++) {
    const target = String(window.__maskflow.frame() + 1);
    const t0 = performance.now();
    document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
    await new Promise((res) => {
      const check = () => (frameC.dataset.frame === target && overC.dataset.frame === target)
        ? res() : requestAnimationFrame(check);
      check();
    });
    out.push(performance.now() - t0);
  }
  return out;
}"""


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _heap_mb(page, cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20


def test_editor_at_10k_frames_and_50_masklets(mf_server, seed, open_as, tmp_path):
    from webapp.videos.synthetic import write_video

    t = time.monotonic()
    clip = write_video(tmp_path / "long-tiny.mp4", num_frames=N_FRAMES, width=W, height=H)
    video = mf_server.upload("alice", seed.project_id, clip, timeout=600)
    ingest_s = time.monotonic() - t
    vid = video["id"]
    assert video["num_frames"] == N_FRAMES

    page = open_as("alice", f"/videos/{vid}?frame=0")
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_live(page)
    page.wait_for_function("() => document.querySelector('[data-testid=frame-canvas]').dataset.frame === '0'")
    page.wait_for_timeout(300)
    empty_box = page.locator("[data-testid=frame-canvas]").bounding_box()

    env = {**os.environ, "MASKFLOW_VAR_DIR": str(mf_server.var), "DJANGO_SETTINGS_MODULE": "webapp.settings"}
    env.pop("DATABASE_URL", None)
    t = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _SEED, str(vid), str(N_FRAMES), str(N_OBJECTS), str(W), str(H)],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600)
    seeded = json.loads(out.stdout.strip().splitlines()[-1])
    seed_s = time.monotonic() - t

    t = time.monotonic()
    page.goto(f"{mf_server.base}/videos/{vid}?frame=5000")
    wait_live(page)
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=object-row]').length > 0"
                           f" && document.querySelector('[data-testid=frame-canvas]').dataset.frame === '5000'")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=track]').dataset.maskFrames) > 0")
    open_s = time.monotonic() - t
    page.wait_for_timeout(300)

    # The video area keeps its size with 50 objects; only visible tracks and rows are in the DOM.
    full_box = page.locator("[data-testid=frame-canvas]").bounding_box()
    assert (round(full_box["width"]), round(full_box["height"])) == (round(empty_box["width"]), round(empty_box["height"]))
    assert page.locator("[data-testid=object-list] .object-row").count() <= 16
    assert page.locator("[data-testid=track]").count() <= 12
    assert page.locator(".tl-count").inner_text().strip().startswith(f"{N_OBJECTS} objects")

    cdp = page.context.new_cdp_session(page)
    heap_open = _heap_mb(page, cdp)

    # Frame steps from the middle of the video, timeline renders recorded by the page.
    page.evaluate("() => { window.__mfTimelinePerf = {render: [], draw: []}; }")
    page.evaluate(_STEP, 20)  # warm-up
    page.evaluate("() => { window.__mfTimelinePerf = {render: [], draw: []}; }")
    steps = page.evaluate(_STEP, 200)
    perf = page.evaluate("() => window.__mfTimelinePerf")

    # Zoom the timeline in (its canvas then draws a 100-odd-frame window), then step again.
    for _ in range(10):
        page.keyboard.press("+")
    span = int(page.get_attribute("[data-testid=timeline]", "data-span"))
    assert span < 200
    page.evaluate("() => { window.__mfTimelinePerf = {render: [], draw: []}; }")
    zsteps = page.evaluate(_STEP, 200)
    zperf = page.evaluate("() => window.__mfTimelinePerf")
    start = int(page.get_attribute("[data-testid=timeline]", "data-start"))
    frame = page.evaluate("() => window.__maskflow.frame()")
    assert start <= frame < start + span + 1, (start, span, frame)  # the window followed

    page.evaluate("() => { window.__mfTimelinePerf = undefined; }")
    page.get_by_test_id("timeline-fit").click()
    # Scrub the whole video: drag the playhead across the timeline, end to end.
    box = page.locator("[data-testid=timeline] .timeline-ruler").bounding_box()
    x0, x1, y = box["x"] + 181, box["x"] + box["width"] - 2, box["y"] + 30
    t = time.monotonic()
    page.mouse.move(x0, y)
    page.mouse.down()
    n_moves = 0
    x = x0
    while x < x1:
        page.mouse.move(x, y)
        n_moves += 1
        x += 2
    page.mouse.up()
    scrub_s = time.monotonic() - t
    last = page.evaluate("() => window.__maskflow.frame()")
    assert last > N_FRAMES * 0.98
    page.wait_for_timeout(1000)
    heap_scrubbed = _heap_mb(page, cdp)
    stats = page.evaluate("""() => { const s = window.__maskflow.ctl.store, c = window.__maskflow.cache;
      return {maskFrames: s.masks.size, maskKB: Math.round(s.maskLru.bytes / 1024), cachedFrames: c.size,
              frameMB: +(c.bytes / 2 ** 20).toFixed(1), inflight: c.inflightCount}; }""")

    # A screenshot with the timeline zoomed in around the playhead.
    page.goto(f"{mf_server.base}/videos/{vid}?frame=1500")
    wait_live(page)
    page.wait_for_function("() => document.querySelector('[data-testid=frame-canvas]').dataset.frame === '1500'")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=overlay-canvas]').dataset.paintedObjects) > 3")
    for _ in range(5):
        page.keyboard.press("+")
    page.locator("[data-testid=object-row]").nth(2).click()
    page.wait_for_timeout(400)
    _save_png(page, "long-video.png")
    assert not page.errors, page.errors

    figures = {
        "frames": N_FRAMES, "objects": N_OBJECTS, **seeded, "ingest_s": round(ingest_s, 1),
        "seed_s": round(seed_s, 1), "open_s": round(open_s, 2),
        "step_ms_p50": round(_pct(steps, 50), 1), "step_ms_p95": round(_pct(steps, 95), 1),
        "step_ms_p50_zoomed": round(_pct(zsteps, 50), 1), "step_ms_p95_zoomed": round(_pct(zsteps, 95), 1),
        "timeline_render_ms_p50": round(_pct(perf["render"], 50), 2),
        "timeline_render_ms_p95": round(_pct(perf["render"], 95), 2),
        "timeline_draw_ms_p95": round(_pct(perf["draw"], 95), 2) if perf["draw"] else None,
        "timeline_draws_per_step": round(len(perf["draw"]) / len(steps), 2),
        "timeline_render_ms_p95_zoomed": round(_pct(zperf["render"], 95), 2),
        "timeline_draw_ms_p95_zoomed": round(_pct(zperf["draw"], 95), 2) if zperf["draw"] else None,
        "scrub_moves": n_moves, "scrub_s": round(scrub_s, 1),
        "heap_mb_open": round(heap_open, 1), "heap_mb_after_scrub": round(heap_scrubbed, 1),
        "stage_px": [round(full_box["width"]), round(full_box["height"])], **stats,
        "load_1m": round(os.getloadavg()[0], 1), "cpus": os.cpu_count(),
    }
    print("\nEDITOR-10K " + json.dumps(figures))
    # Bounds: a step's p95 under 100 ms on a machine with a CPU to spare; on an oversubscribed
    # one (load average above the CPU count: other suites running) the bound grows with the
    # load, up to 400 ms. The figures above are the measurement.
    step_bound = 100 * min(4.0, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
    assert _pct(steps, 50) < 50, figures
    assert _pct(steps, 95) < step_bound, figures
    assert _pct(zsteps, 95) < step_bound, figures
    assert _pct(perf["render"], 95) < 16, figures
    assert heap_scrubbed < 120, figures
    assert heap_scrubbed - heap_open < 60, figures
    assert stats["maskFrames"] <= 2000 and stats["cachedFrames"] <= 600, figures
    assert statistics.median(steps) > 0
