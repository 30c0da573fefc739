"""Propagation at the client against the raw SAM 2 predictor as a user runs it out of the box
(issue 17, item 1), side by side in one run with random-tiny:

- raw: the official `SAM2VideoPredictor` with torch's default thread count, frames loaded by
  `init_state` from a JPEG folder (not timed), one click on frame 0, then
  `propagate_in_video` forward over every frame; fps = frames / time;
- the stack: the same click and `propagate.start` over a websocket, fps = frames whose masks
  the client received / (send -> propagation.done). Scaled out (uvicorn, channels_redis, one
  Celery inference worker, Postgres) and embedded (the inference thread in the web process),
  each with its automatic torch threads (inference.threads.ThreadTuner);
- at 320x240, 640x480 and 1280x720, raw and stack in turns, round by round;
- then the same under load: two busy processes take the cores (what other jobs do on a shared
  machine), raw with default threads and with one thread, and the stack, at 640x480.

Writes its section of bench/RESULTS.md. Usage: python bench/bench_propagation.py [--quick]
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUICK = "--quick" in sys.argv
SIZES = [(320, 240), (640, 480)] if QUICK else [(320, 240), (640, 480), (1280, 720)]
FRAMES = 32 if QUICK else 96
ROUNDS = 1 if QUICK else 3
LOADED = (640, 480)
LOAD_PROCS = 2
MODES = ("scaled-out", "embedded")


def jpeg_folder(w: int, h: int) -> Path:
    from PIL import Image

    from webapp.videos.synthetic import render_frame

    folder = Path(tempfile.mkdtemp(prefix=f"mf-raw-{w}x{h}-"))
    for i in range(FRAMES):
        Image.fromarray(render_frame(i, w, h, FRAMES)).save(folder / f"{i:05d}.jpg", quality=90)
    return folder


class Raw:
    """The official predictor in this process, on its main thread."""

    def __init__(self):
        import torch

        from inference import EngineConfig, load_model

        self.default_threads = torch.get_num_threads()
        self.predictor = load_model(EngineConfig()).predictor
        self.folders = {size: jpeg_folder(*size) for size in SIZES}

    def fps(self, size, threads: int | None = None) -> float:
        import torch

        torch.set_num_threads(threads or self.default_threads)
        p = self.predictor
        w, h = size
        with torch.inference_mode():
            state = p.init_state(str(self.folders[size]), offload_video_to_cpu=True)
            p.add_new_points_or_box(state, frame_idx=0, obj_id=1, points=[[w / 2, h / 3]],
                                    labels=[1])
            t0 = time.perf_counter()
            n = sum(1 for _ in p.propagate_in_video(state, start_frame_idx=0))
            dt = time.perf_counter() - t0
        torch.set_num_threads(self.default_threads)
        return n / dt


async def stack_fps(stack, client, video: str, w: int, h: int) -> float:
    """A new object on `video`, one click on frame 0, propagated forward: frames/s received."""
    c = client[video]
    ack = await c.request({"type": "object.create"})
    got = await c.wait(lambda m: m["type"] == "object.created" and m["seq"] == ack["seq"])
    oid = got["object"]["id"]
    start = len(c.msgs)
    await c.send({"type": "prompt.add", "object_id": oid, "frame": 0, "points": [[w / 2, h / 3]],
                  "labels": [1]})
    await c.wait(lambda m: m["type"] == "masks" and m["source"] == "prompt", 60, start)
    start = len(c.msgs)
    t0 = time.perf_counter()
    await c.send({"type": "propagate.start", "frame": 0, "direction": "forward",
                  "object_ids": [oid]})
    done = await c.wait(lambda m: m["type"] == "propagation.done", 600, start)
    frames = {m["frame"] for m in c.since(start, "masks")}
    return len(frames) / (done["_t"] - t0)


def busy(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def run_mode(mode: str, raw: Raw) -> dict:
    from tests.realtime.stack import Client, Stack

    videos = {f"{w}x{h}": (FRAMES, w, h) for w, h in SIZES}
    # SAM2_TORCH_THREADS=0: the automatic count a deployment gets (the tuner)
    stack = Stack(Path(tempfile.mkdtemp(prefix="mf-bench-")), workers=1, videos=videos,
                  embedded=mode == "embedded", env={"SAM2_TORCH_THREADS": "0"})
    out: dict = {"rows": {}, "loaded": {}, "load": [os.getloadavg()[0]]}
    try:
        stack.start()

        async def go():
            clients = {v: await Client.connect(stack, stack.video_ids[v], "alice") for v in videos}
            for w, h in SIZES:  # warm-up: session build, first propagation
                await stack_fps(stack, clients, f"{w}x{h}", w, h)
            for w, h in SIZES:
                row = out["rows"][(w, h)] = {"raw": [], "stack": []}
                for r in range(ROUNDS):
                    # alternate who goes first, so a drift in the machine's speed hits both
                    order = ("raw", "stack") if r % 2 == 0 else ("stack", "raw")
                    for who in order:
                        if who == "raw":
                            row["raw"].append(raw.fps((w, h)))
                        else:
                            row["stack"].append(await stack_fps(stack, clients, f"{w}x{h}", w, h))
            out["load"].append(os.getloadavg()[0])
            hogs = busy(LOAD_PROCS)
            try:
                time.sleep(2)
                w, h = LOADED
                lo = out["loaded"] = {"raw": [], "raw1": [], "stack": []}
                for r in range(ROUNDS):
                    lo["raw"].append(raw.fps(LOADED))
                    lo["raw1"].append(raw.fps(LOADED, threads=1))
                    lo["stack"].append(await stack_fps(stack, clients, f"{w}x{h}", w, h))
                out["load_busy"] = os.getloadavg()[0]
            finally:
                for p in hogs:
                    p.kill()
            for c in clients.values():
                await c.close()

        asyncio.run(go())
    finally:
        stack.stop()
    return out


def write_results(text: str) -> None:
    from bench.results import write_section

    write_section("propagation", text)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from tests.realtime.stack import services_up

    if not services_up():
        sys.exit("bench_propagation needs Postgres and Redis on 127.0.0.1")
    load0 = os.getloadavg()
    raw = Raw()
    t0 = time.monotonic()
    res = {mode: run_mode(mode, raw) for mode in MODES}
    load1 = os.getloadavg()
    med = lambda xs: float(np.median(xs))  # noqa: E731
    lines = [
        "## Propagation against the raw predictor (bench/bench_propagation.py)",
        "",
        f"random-tiny, {FRAMES} frames, one object clicked on frame 0 and propagated forward; "
        f"CPU ({os.cpu_count()} cores); measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"{' (--quick)' if QUICK else ''} in {time.monotonic() - t0:.0f} s. Command: "
        f"`.venv/bin/python bench/bench_propagation.py{' --quick' if QUICK else ''}` (or "
        f"`make bench`). Load average (1/5/15 min) {load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f} "
        f"before, {load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} after.",
        "",
        f"Raw: the official `SAM2VideoPredictor` in the bench process's main thread with torch's "
        f"default threads ({raw.default_threads}), frames loaded by `init_state` (not timed). "
        "Stack: frames whose masks the websocket client received per second, from its "
        "`propagate.start` to `propagation.done`, with the deployment's automatic torch threads "
        "(`SAM2_TORCH_THREADS` unset: inference.threads.ThreadTuner). Medians of "
        f"{ROUNDS} rounds, raw and stack in turns; the ratio is stack / raw.",
        "",
        "| size | mode | raw fps | stack fps | ratio | goal |",
        "|---|---|---|---|---|---|",
    ]
    for w, h in SIZES:
        for mode in MODES:
            row = res[mode]["rows"][(w, h)]
            r, s = med(row["raw"]), med(row["stack"])
            lines.append(f"| {w}x{h} | {mode} | {r:.1f} | {s:.1f} | {s / r:.2f}× | ≥ 0.9× |")
    lines += [
        "",
        f"Under load: {LOAD_PROCS} busy processes (`while True: pass`) share the cores, "
        f"{LOADED[0]}x{LOADED[1]}; raw with default threads and with one, the stack as "
        "deployed (same rounds, in turns).",
        "",
        "| mode | load average | raw fps, default threads | raw fps, 1 thread | stack fps | "
        "stack / raw default | stack / raw 1 thread |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        lo = res[mode]["loaded"]
        r, r1, s = med(lo["raw"]), med(lo["raw1"]), med(lo["stack"])
        lines.append(f"| {mode} | {res[mode].get('load_busy', float('nan')):.1f} | {r:.1f} | "
                     f"{r1:.1f} | {s:.1f} | {s / r:.2f}× | {s / r1:.2f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(text)


if __name__ == "__main__":
    main()
