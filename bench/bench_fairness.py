"""Fair sharing and object count, measured side by side in one run with random-tiny (issue 17,
items 3 and 4):

1. One inference worker holds videos A and B. While A propagates, a user on B clicks again
   and again: click -> masks p50/p95 on B, against the raw engine (`Session.add_prompt` and one
   `Session.propagate` frame, main thread, the worker's torch threads) and the same stack's
   click on B while nothing runs, measured in the same run, in turns.
2. B starts a propagation while A propagates: the fps each client receives while both run,
   against A alone (a fair share is about half each).
3. Propagation fps at the client with 1, 4, 16 and 50 objects in one video, against raw
   `Session.propagate` with the same objects, row by row in turns.

Both modes where it applies: scaled out (uvicorn, channels_redis, one Celery inference worker,
Postgres; tests/realtime/stack.py) and embedded (the same server without REDIS_URL: the
inference thread in the web process). Writes its section of bench/RESULTS.md.
Usage: python bench/bench_fairness.py [--quick]
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.realtime import trace  # noqa: E402  (no Django needed)

QUICK = "--quick" in sys.argv
W, H = (160, 120) if QUICK else (320, 240)
A_FRAMES = 64 if QUICK else 160  # the long propagation
B_FRAMES = 32 if QUICK else 64  # the other video: clicks, then its own propagation
IDLE_CLICKS = 8 if QUICK else 20  # stack clicks on B with nothing running (in turns with raw)
CLICK_ROUNDS = 1 if QUICK else 2  # A propagations with B clicking throughout
GAP_S = (0.05, 0.25)
CLICK_TIMEOUT_S = 20  # a click not answered by then is counted as unanswered  # a user's pause between two clicks: lands them anywhere in A's frames
FAIR_LEAD = 16  # frames A delivers before B starts its propagation
OBJECTS = (1, 4, 16, 50)
# Frames tracked per object-count row (after the prompted frame 0), sized so rows cost alike.
OBJ_FRAMES = {1: 6, 4: 3, 16: 2, 50: 1} if QUICK else {1: 32, 4: 16, 16: 6, 50: 3}
# Same torch threads in the raw engine and the worker (bench_realtime.py says why one).
THREADS = int(os.environ.get("BENCH_TORCH_THREADS", "1"))
MODES = ("scaled-out", "embedded")
# The object-count rows run on the deployment's mode only: the embedded thread runs the same
# Runner and Session calls, and one mode keeps the default run near 3 minutes.
OBJ_MODES = ("scaled-out",)
TRACE = Path(tempfile.mkdtemp(prefix="mf-trace-")) / "trace.txt"
EXTRA_ENV: dict = {}  # stack settings a diagnosis overrides (none in the recorded run)


def ms(xs, q):
    return float(np.percentile(np.asarray(xs) * 1000.0, q)) if len(xs) else float("nan")


def jpegs(n: int) -> list[bytes]:
    import io

    from PIL import Image

    from webapp.videos.synthetic import render_frame

    out = []
    for i in range(n):
        buf = io.BytesIO()
        Image.fromarray(render_frame(i, W, H, n)).save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def click_plan(n: int, seed: int) -> list[tuple[int, float, float]]:
    """Clicks on B: a user on a few frames near the start, points anywhere."""
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(0, 8)), float(rng.uniform(10, W - 10)), float(rng.uniform(10, H - 10)))
            for _ in range(n)]


def object_points(n: int) -> list[tuple[float, float]]:
    """n distinct points on a grid over the frame."""
    cols = int(np.ceil(np.sqrt(n * W / H)))
    rows = int(np.ceil(n / cols))
    pts = [((c + 0.5) * W / cols, (r + 0.5) * H / rows) for r in range(rows) for c in range(cols)]
    return pts[:n]


class Raw:
    """The baseline: the bare engine on this process's main thread, on the same frames."""

    def __init__(self):
        from inference import EngineConfig, load_model

        self.model = load_model(EngineConfig())
        self.frames = {"A": jpegs(A_FRAMES), "B": jpegs(B_FRAMES)}
        self.b = self.session("B")
        self.b.add_prompt(1, 0, points=[[W / 2, H / 2]], labels=[1])  # warm-up
        self.a = self.session("A")
        self.a.add_prompt(1, 0, points=[[W / 2, H / 3]], labels=[1])
        self.clicks: list[float] = []
        self.frame_s: list[float] = []

    def session(self, key: str, frames: list[bytes] | None = None):
        from inference import JpegFrameSource, Session

        fr = frames if frames is not None else self.frames[key]
        return Session(self.model, JpegFrameSource(lambda i: fr[i], len(fr), W, H,
                                                   self.model.info.image_size))

    def click(self, frame, x, y) -> float:
        t0 = time.perf_counter()
        self.b.add_prompt(1, frame, points=[[x, y]], labels=[1], clear_old=True)
        dt = time.perf_counter() - t0
        self.clicks.append(dt)
        return dt

    def frames_block(self, n: int) -> None:
        """Time n tracked frames of A, one by one (frame 0, the prompted one, not counted)."""
        it = self.a.propagate(start_frame=0, direction="forward", max_frames=n + 1, objects=[1])
        next(it)
        t0 = time.perf_counter()
        for _ in it:
            t1 = time.perf_counter()
            self.frame_s.append(t1 - t0)
            t0 = t1

    def objects_fps(self, n: int, frames: list[bytes]) -> float:
        s = self.session("", frames)
        for oid, (x, y) in enumerate(object_points(n), 1):
            s.add_prompt(oid, 0, points=[[x, y]], labels=[1])
        t0 = time.perf_counter()
        got = sum(1 for _ in s.propagate(start_frame=1, direction="forward"))
        fps = got / (time.perf_counter() - t0)
        s.close()
        return fps


# --- the client side -------------------------------------------------------------------------
async def new_object(c) -> int:
    ack = await c.request({"type": "object.create"})
    got = await c.wait(lambda m: m["type"] == "object.created" and m["seq"] == ack["seq"])
    return got["object"]["id"]


async def click(c, oid, frame, x, y, clear_old=True) -> tuple[float, float]:
    """(latency, receipt time) of one click's masks."""
    start = len(c.msgs)
    t0 = time.perf_counter()
    trace.stamp("cli.send")
    await c.send({"type": "prompt.add", "object_id": oid, "frame": frame, "points": [[x, y]],
                  "labels": [1], "clear_old": clear_old})
    try:
        got = await c.wait(lambda m: m["type"] == "error" or m["type"] == "masks"
                           and m["source"] == "prompt", CLICK_TIMEOUT_S, start)
    except asyncio.TimeoutError:
        print(f"click on frame {frame} unanswered after {CLICK_TIMEOUT_S} s; since the send: "
              f"{[m['type'] for m in c.msgs[start:]]}", file=sys.stderr)
        return None, time.perf_counter()
    if got["type"] == "error":
        raise RuntimeError(f"click refused: {got}")
    trace.stamp("cli.recv")
    return got["_t"] - t0, got["_t"]


async def start_prop(c, oids, frame=0, max_frames=None) -> tuple[int, float]:
    start = len(c.msgs)
    t0 = time.perf_counter()
    msg = {"type": "propagate.start", "frame": frame, "direction": "forward", "object_ids": oids}
    if max_frames:
        msg["max_frames"] = max_frames
    await c.send(msg)
    return start, t0


async def prop_done(c, start) -> tuple[dict, list[dict]]:
    done = await c.wait(lambda m: m["type"] == "propagation.done", 900, start)
    if done.get("cancelled"):
        raise RuntimeError(f"propagation ended early: {done}")
    return done, [m for m in c.since(start, "masks") if m["source"] == "propagation"]


async def fairness(stack, raw: Raw, mode: str) -> dict:
    from tests.realtime.stack import Client

    a = await Client.connect(stack, stack.video_ids["A"], "alice")
    b = await Client.connect(stack, stack.video_ids["B"], "bob")
    aoid = await new_object(a)
    await click(a, aoid, 0, W / 2, H / 3)  # builds A's session
    boid = await new_object(b)
    await click(b, boid, 0, W / 2, H / 2)  # and B's
    rng = np.random.default_rng(1)
    plan = iter(click_plan(10_000, 2))
    out = {"raw_click": [], "idle": [], "busy": [], "a_alone": [], "fair": [], "lost": 0}

    # B's clicks with nothing running, each in turn with a raw click.
    for _ in range(IDLE_CLICKS):
        c = next(plan)
        out["raw_click"].append(raw.click(*c))
        lat = (await click(b, boid, *c))[0]
        if lat is None:
            out["lost"] += 1
        else:
            out["idle"].append(lat)
    raw.frames_block(24 if not QUICK else 8)

    async def alone():
        start, t0 = await start_prop(a, [aoid])
        done, got = await prop_done(a, start)
        out["a_alone"].append(len({m["frame"] for m in got}) / (done["_t"] - t0))

    # B clicks while A propagates; raw clicks and frames between rounds.
    mark = len(TRACE.read_text().splitlines()) if TRACE.exists() else 0
    trace.enable(str(TRACE))
    for _ in range(CLICK_ROUNDS):
        start, t0 = await start_prop(a, [aoid])
        await a.wait(lambda m: m["type"] == "masks" and m["source"] == "propagation", 60, start)
        while not any(m["type"] == "propagation.done" for m in a.msgs[start:]):
            lat, t_recv = await click(b, boid, *next(plan))
            end = next((m["_t"] for m in a.msgs[start:] if m["type"] == "propagation.done"), None)
            if lat is None:
                out["lost"] += 1
            elif end is None or t_recv < end:  # A still ran when the masks came
                out["busy"].append(lat)
            await asyncio.sleep(float(rng.uniform(*GAP_S)))
        await prop_done(a, start)
        for _ in range(IDLE_CLICKS // 2):
            raw.click(*next(plan))
        raw.frames_block(24 if not QUICK else 8)
    trace.enable("")

    # B propagates while A propagates: each gets about half. A alone just before and after
    # (this machine's speed drifts within a minute).
    b2 = await new_object(b)
    await click(b, b2, 0, W / 2, H / 3, clear_old=False)
    await alone()
    sa, ta = await start_prop(a, [aoid])
    await a.wait(lambda m: sum(1 for x in a.msgs[sa:] if x["type"] == "masks") >= FAIR_LEAD,
                 60, sa)
    sb, tb = await start_prop(b, [b2])
    bdone, bgot = await prop_done(b, sb)
    adone, agot = await prop_done(a, sa)
    window = bdone["_t"] - tb
    a_in = [m for m in agot if tb <= m["_t"] <= bdone["_t"]]
    out["fair"] = {"b_fps": len({m["frame"] for m in bgot}) / window,
                   "a_fps": len(a_in) / window,
                   "a_total_fps": len({m["frame"] for m in agot}) / (adone["_t"] - ta),
                   "window": window}
    await alone()
    raw.frames_block(24 if not QUICK else 8)
    for c in (a, b):
        await c.close()
    out["stages"] = stages(TRACE, mark)
    return out


def stages(path: Path, skip: int) -> dict:
    """Per click on B while A ran: ms from its send until the engine started on it (the wait
    for A's frame to end, the hops before), the engine call, and the rest to the client."""
    if not path.exists():
        return {}
    res = {"stored": [], "wait": [], "engine": [], "after": []}
    cur = None
    for line in path.read_text().splitlines()[skip:]:
        t, _pid, stage = line.split(None, 2)
        t = float(t)
        if stage == "cli.send":
            cur = {"cli.send": t}
        elif cur is not None:
            if stage == "cli.recv":
                if all(k in cur for k in ("srv.stored", "wrk.engine", "wrk.engined")):
                    res["stored"].append(cur["srv.stored"] - cur["cli.send"])
                    res["wait"].append(cur["wrk.engine"] - cur["srv.stored"])
                    res["engine"].append(cur["wrk.engined"] - cur["wrk.engine"])
                    res["after"].append(t - cur["wrk.engined"])
                cur = None
            elif stage in ("srv.stored", "wrk.engine", "wrk.engined") and stage not in cur:
                cur[stage] = t
    return res


async def objects(stack, raw: Raw, frames: dict) -> list[dict]:
    from tests.realtime.stack import Client

    rows = []
    for n in OBJECTS:
        raw_fps = raw.objects_fps(n, frames[n])
        c = await Client.connect(stack, stack.video_ids[f"obj{n}"], "alice")
        oids = []
        for x, y in object_points(n):
            oid = await new_object(c)
            await click(c, oid, 0, x, y, clear_old=False)
            oids.append(oid)
        start, t0 = await start_prop(c, oids, frame=1)
        done, got = await prop_done(c, start)
        n_frames = len({m["frame"] for m in got})
        rows.append({"n": n, "frames": n_frames, "raw_fps": raw_fps,
                     "fps": n_frames / (done["_t"] - t0)})
        await c.close()
    return rows


def write_results(text: str) -> None:
    from bench.results import write_section

    write_section("fairness", text)


def run_mode(mode: str, raw: Raw, obj_frames: dict) -> dict:
    from tests.realtime.stack import Stack

    videos = {"A": (A_FRAMES, W, H), "B": (B_FRAMES, W, H),
              **{f"obj{n}": (OBJ_FRAMES[n] + 1, W, H) for n in OBJECTS}}
    stack = Stack(Path(tempfile.mkdtemp(prefix="mf-bench-")), workers=1, videos=videos,
                  embedded=mode == "embedded",
                  env={"SAM2_TORCH_THREADS": str(THREADS), "MASKFLOW_TRACE": str(TRACE),
                       "WS_USER_INFERENCE_RATE": "1000", **EXTRA_ENV})
    load = [os.getloadavg()[0]]
    t0 = time.monotonic()
    raw.clicks, raw.frame_s = [], []
    try:
        stack.start()
        if mode != "embedded":
            assert len(stack.live_workers()) == 1  # A and B on the one worker

        async def both():
            fair = await fairness(stack, raw, mode)
            return fair, (await objects(stack, raw, obj_frames) if mode in OBJ_MODES else [])

        fair, objs = asyncio.run(both())
    finally:
        stack.stop()
    load.append(os.getloadavg()[0])
    print(f"{mode}: {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return {"fair": fair, "objects": objs, "load": load, "s": time.monotonic() - t0,
            "raw_click": raw.clicks, "raw_frame": raw.frame_s}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from tests.realtime.stack import services_up

    if not services_up():
        sys.exit("bench_fairness needs Postgres and Redis on 127.0.0.1")
    import torch

    torch.set_num_threads(THREADS)
    load0 = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    raw = Raw()
    obj_frames = {n: jpegs(OBJ_FRAMES[n] + 1) for n in OBJECTS}
    res = {m: run_mode(m, raw, obj_frames) for m in MODES}
    load1 = os.getloadavg()
    n_rc = "/".join(str(len(r["raw_click"])) for r in res.values())
    n_rf = "/".join(str(len(r["raw_frame"])) for r in res.values())
    cmd = f"`.venv/bin/python bench/bench_fairness.py{' --quick' if QUICK else ''}` (or `make bench`)"
    lines = [
        "## Fair sharing and object count (bench/bench_fairness.py)",
        "",
        f"random-tiny, {W}x{H}, CPU ({os.cpu_count()} cores); measured {started}"
        f"{' (--quick)' if QUICK else ''}; torch threads {THREADS} in the raw engine (main "
        f"thread) and the inference worker / embedded inference thread. Command: {cmd}. Load "
        f"average (1/5/15 min) {load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f} before, "
        f"{load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} after"
        + "".join(f"; {m}: {r['load'][0]:.1f} → {r['load'][1]:.1f} over its {r['s']:.0f} s"
                  for m, r in res.items()) + ".",
        "",
        f"One inference worker (or the one embedded thread) holds video A ({A_FRAMES} frames) "
        f"and video B ({B_FRAMES} frames). A propagates one object from frame 0; a user on B "
        f"clicks, waits for the masks, pauses {GAP_S[0] * 1000:.0f}-{GAP_S[1] * 1000:.0f} ms "
        f"and clicks again until A is done ({CLICK_ROUNDS} propagations of A). The raw "
        f"baseline ran in the same process in turns with the stack: {n_rc} clicks "
        f"(`Session.add_prompt` on B's frames, the same click plan) and {n_rf} tracked "
        f"frames of A (`Session.propagate`, per frame) per mode ({'/'.join(res)}), in blocks "
        f"between the stack's phases. "
        f"'Stack, nothing running' is the same stack's click on B, one in turn with each raw "
        f"click; its excess over raw is the click overhead. The bar: a click on B while A "
        f"propagates waits at most one frame more than that, i.e. p95 ≤ idle stack p95 + raw "
        f"frame p95.",
        "",
        "| mode | raw click p50 / p95 | raw frame p50 / p95 | stack click on B, nothing "
        "running, p50 / p95 | stack click on B while A propagates, p50 / p95 (n) | bar (p95) | "
        "met |",
        "|---|---|---|---|---|---|---|",
    ]
    for m, r in res.items():
        f, rc, rf = r["fair"], r["raw_click"], r["raw_frame"]
        bar = ms(f["idle"], 95) + ms(rf, 95)
        lines.append(
            f"| {m} | {ms(rc, 50):.1f} / {ms(rc, 95):.1f} ms | {ms(rf, 50):.1f} / "
            f"{ms(rf, 95):.1f} ms | {ms(f['idle'], 50):.1f} / {ms(f['idle'], 95):.1f} ms | "
            f"{ms(f['busy'], 50):.1f} / {ms(f['busy'], 95):.1f} ms ({len(f['busy'])}"
            + (f"; {f['lost']} unanswered in {CLICK_TIMEOUT_S} s" if f["lost"] else "") + ") | "
            f"{bar:.1f} ms | {'yes' if ms(f['busy'], 95) <= bar and not f['lost'] else 'no'} |")
    lines += [
        "",
        "Where a click on B waits while A propagates (MASKFLOW_TRACE stamps, ms, p50 / p95; "
        "the raw click and frame of the first table for scale): from the send until the "
        "server committed the prompt, from there until the engine starts on it (the rest of "
        "A's current frame, A's yield), the engine call, then storing and relaying the masks:",
        "",
        "| mode | send → prompt stored | → engine starts | engine call | engine → client |",
        "|---|---|---|---|---|",
    ]
    for m, r in res.items():
        s = r["fair"]["stages"]
        if s and s["wait"]:
            lines.append(f"| {m} | {ms(s['stored'], 50):.1f} / {ms(s['stored'], 95):.1f} | "
                         f"{ms(s['wait'], 50):.1f} / {ms(s['wait'], 95):.1f} | "
                         f"{ms(s['engine'], 50):.1f} / {ms(s['engine'], 95):.1f} | "
                         f"{ms(s['after'], 50):.1f} / {ms(s['after'], 95):.1f} |")
    lines += [
        "",
        f"Two propagations at once: B (a new object, one click on frame 0, all {B_FRAMES} "
        f"frames) starts once A has delivered {FAIR_LEAD} frames; fps as each client receives "
        f"masks while B runs, against A alone in the same stack (raw: 1 / median frame time).",
        "",
        "| mode | raw fps | A alone (just before, just after) | A while B runs | B while A runs "
        "| A + B | A share, B share, A + B of A alone |",
        "|---|---|---|---|---|---|---|",
    ]
    for m, r in res.items():
        f = r["fair"]
        raw_fps = 1.0 / float(np.median(r["raw_frame"]))
        alone = float(np.mean(f["a_alone"]))
        fa, fb = f["fair"]["a_fps"], f["fair"]["b_fps"]
        lines.append(f"| {m} | {raw_fps:.1f} | {alone:.1f} ("
                     + ", ".join(f"{x:.1f}" for x in f["a_alone"]) + f") | {fa:.1f} | {fb:.1f} | "
                     f"{fa + fb:.1f} | {fa / alone:.2f}, {fb / alone:.2f}, "
                     f"{(fa + fb) / alone:.2f} |")
    lines += [
        "",
        "Many objects: each object prompted with one click on frame 0 at its own point, then "
        "all of them propagated forward from frame 1 (frames per row below); raw "
        "`Session.propagate` with the same objects on the same frames, one row in turn with "
        "the stack's. Upstream SAM 2 tracks objects one by one (inference/session.py "
        "`_track_frame` loops over them): the image encoder runs once per frame, memory "
        "attention, mask decoder and memory encoder once per object, so a frame's time grows "
        "linearly with the objects; the last column is the raw frame time over the objects.",
        "",
        "| objects | frames | raw fps | " + " | ".join(f"{m} fps (ratio)" for m in OBJ_MODES)
        + " | raw ms per object-frame |",
        "|---|---|---|" + "---|" * len(OBJ_MODES) + "---|",
    ]
    for i, n in enumerate(OBJECTS):
        rows = [res[m]["objects"][i] for m in OBJ_MODES]
        rfps = float(np.mean([row["raw_fps"] for row in rows]))
        lines.append(f"| {n} | {rows[0]['frames']} | "
                     + " / ".join(f"{row['raw_fps']:.2f}" for row in rows) + " | "
                     + " | ".join(f"{row['fps']:.2f} ({row['fps'] / row['raw_fps']:.2f}×)"
                                  for row in rows)
                     + f" | {1000 / rfps / n:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if "--no-write" not in sys.argv:
        write_results(text)


if __name__ == "__main__":
    main()
