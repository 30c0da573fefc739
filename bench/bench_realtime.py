"""Realtime benchmark, measured side by side in one run with random-tiny:

1. click -> masks latency at a websocket client over the full scaled-out stack (uvicorn,
   channels_redis, Celery worker, Postgres) vs the raw engine call on the main thread, one
   raw click and one stack click in turn (this machine's speed drifts by 1.5x within a
   minute, so runs one after the other do not compare), plus where the stack's time goes;
2. propagation fps received by the client vs raw `Session.propagate`, also in turns;
3. fan-out: one mask to 50 clients in a room, per-client delivery latency p50/p99;
4. the embedded mode's threading trap: the same click on the main thread, on a spawned
   thread with default torch threads, and on a spawned thread with one torch thread.

Writes its section of bench/RESULTS.md. Usage: python bench/bench_realtime.py [--quick]
"""
from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.realtime import trace  # noqa: E402  (no Django needed)

QUICK = "--quick" in sys.argv
N_FRAMES, W, H = (48, 160, 120) if QUICK else (96, 320, 240)
CLICKS = 15 if QUICK else 40
FANOUT = 50
FANOUT_ROUNDS = 3 if QUICK else 10
PROP_ROUNDS = 2 if QUICK else 3
# Raw engine and worker use the same torch thread count. One by default: on a small shared
# machine a second OpenMP thread spin-waits against other processes and only adds noise.
THREADS = int(os.environ.get("BENCH_TORCH_THREADS", "1"))


def pct(xs, q):
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def frames_bytes():
    from PIL import Image

    from webapp.videos.synthetic import render_frame

    out = []
    for i in range(N_FRAMES):
        buf = io.BytesIO()
        Image.fromarray(render_frame(i, W, H, N_FRAMES)).save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def click_plan():
    rng = np.random.default_rng(0)
    return [(i % N_FRAMES, float(rng.uniform(10, W - 10)), float(rng.uniform(10, H - 10)))
            for i in range(CLICKS)]


class RawEngine:
    """The baseline: the bare engine in this process, on the same frames, driven in turns
    with the stack so both see the same machine."""

    def __init__(self, jpegs):
        from inference import EngineConfig, load_model

        self.jpegs = jpegs
        self.model = load_model(EngineConfig())
        self.session = self._session()
        self.session.add_prompt(1, 0, points=[[W / 2, H / 2]], labels=[1])  # warm-up
        self.cpu: list[float] = []
        self.prop_session = self._session()
        self.prop_objects = 0

    def _session(self):
        from inference import JpegFrameSource, Session

        return Session(self.model, JpegFrameSource(lambda i: self.jpegs[i], N_FRAMES, W, H,
                                                   self.model.info.image_size))

    def click(self, frame, x, y) -> float:
        c0, t0 = time.process_time(), time.perf_counter()
        self.session.add_prompt(1, frame, points=[[x, y]], labels=[1], clear_old=True)
        dt = time.perf_counter() - t0
        self.cpu.append(time.process_time() - c0)
        return dt

    def propagate_fps(self) -> float:
        """A new object, one click on frame 0, tracked forward: as the stack run does."""
        self.prop_objects += 1
        oid = self.prop_objects
        self.prop_session.add_prompt(oid, 0, points=[[W / 2, H / 3]], labels=[1])
        t0 = time.perf_counter()
        n = sum(1 for _ in self.prop_session.propagate(start_frame=0, direction="forward",
                                                        objects=[oid]))
        return n / (time.perf_counter() - t0)


def raw_clicks(jpegs) -> list[float]:
    eng = RawEngine(jpegs)
    return [eng.click(*c) for c in click_plan()]


def stack_cpu(stack) -> tuple[float, float]:
    """CPU seconds used so far by the stack's (server, worker) processes."""
    import psutil

    def cpu(proc):
        try:
            t = psutil.Process(proc.pid).cpu_times()
            return t.user + t.system
        except psutil.NoSuchProcess:
            return 0.0

    return cpu(stack.procs[0]), sum(cpu(w) for w in stack.workers)


def threading_trap(jpegs):
    """Raw click latency p50 on the main thread vs spawned threads (embedded mode choice)."""
    import torch

    from inference import configure_torch_threads

    default = torch.get_num_threads()
    res = {}
    res["main thread, %d torch threads" % default] = raw_clicks(jpegs)
    box = {}

    def run(n):
        configure_torch_threads(n)
        box["lat"] = raw_clicks(jpegs)

    for n in (default, 1):
        t = threading.Thread(target=run, args=(n,))
        t.start()
        t.join()
        res[f"spawned thread, {n} torch thread(s)"] = box["lat"]
    torch.set_num_threads(default)
    return res


# Stages of one click (webapp/realtime/trace.py stamps), in the order they happen.
STAGES = [
    ("cli.send", "client sends prompt.add"),
    ("srv.receive", "server: websocket message in"),
    ("srv.stored", "server: prompt committed (checks, seq, insert)"),
    ("wrk.task", "worker: Celery task starts"),
    ("wrk.engine", "worker: engine call starts"),
    ("wrk.engined", "worker: engine call returns"),
    ("wrk.stored", "worker: masks committed"),
    ("bc.published", "worker: masks published to the channel layer"),
    ("srv.relay", "server: masks event in, to the websocket"),
    ("cli.recv", "client has the masks"),
]


def stage_breakdown(path: Path) -> list[tuple[str, float]]:
    """Median ms since the click's send at which each stage was reached. For the relays, the
    last mark before the client's receipt (the prompt.added echo relays first)."""
    clicks, cur = [], None
    for line in path.read_text().splitlines():
        t, _pid, stage = line.split(None, 2)
        if stage == "cli.send":
            cur = {}
            t0 = float(t)
        elif cur is not None:
            if stage == "cli.recv":
                cur[stage] = (float(t) - t0) * 1000
                clicks.append(cur)
                cur = None
            elif stage in ("bc.published", "srv.relay") or stage not in cur:
                cur[stage] = (float(t) - t0) * 1000
    out = []
    for stage, label in STAGES[1:]:
        xs = [c[stage] for c in clicks if stage in c]
        if xs:
            out.append((label, float(np.median(xs))))
    return out


async def stack_run(stack, raw: RawEngine):
    """Clicks, propagations (each in turn with the raw engine) and the fan-out."""
    from tests.realtime.stack import Client

    vid = stack.video_ids["bench"]
    a = await Client.connect(stack, vid, "alice")

    async def new_object(c):
        ack = await c.request({"type": "object.create"})
        got = await c.wait(lambda m: m["type"] == "object.created" and m["seq"] == ack["seq"])
        return got["object"]["id"]

    async def click(c, oid, frame, x, y, clear_old=True):
        start = len(c.msgs)
        t0 = time.perf_counter()
        trace.stamp("cli.send")
        await c.send({"type": "prompt.add", "object_id": oid, "frame": frame, "points": [[x, y]],
                      "labels": [1], "clear_old": clear_old})
        got = await c.wait(lambda m: m["type"] == "masks" and m["source"] == "prompt", 60, start)
        trace.stamp("cli.recv")
        return got["_t"] - t0

    oid = await new_object(a)
    await click(a, oid, 0, W / 2, H / 2)  # warm-up: session build
    trace.enable(str(TRACE))  # after the warm-up: its session build would skew the medians
    raw_lat, lat, cpu_used = [], [], [0.0, 0.0]
    for c in click_plan():
        raw_lat.append(raw.click(*c))
        cpu0 = stack_cpu(stack)
        lat.append(await click(a, oid, *c))
        cpu1 = stack_cpu(stack)
        cpu_used = [u + (y - x) for u, x, y in zip(cpu_used, cpu0, cpu1)]
    trace.enable("")
    cpu_per_click = (cpu_used[0] / len(lat), cpu_used[1] / len(lat))

    # Propagation: frames received by the client per second, send -> propagation.done, each
    # round a new object with one click on frame 0, on a video of its own (on the clicked
    # video the first propagation would also encode the memory of every frame clicked above).
    p = await Client.connect(stack, stack.video_ids["prop"], "alice")
    raw_fps, fps = [], []
    for _ in range(PROP_ROUNDS):
        raw_fps.append(raw.propagate_fps())
        poid = await new_object(p)
        await click(p, poid, 0, W / 2, H / 3, clear_old=False)
        start = len(p.msgs)
        t0 = time.perf_counter()
        await p.send({"type": "propagate.start", "frame": 0, "direction": "forward",
                      "object_ids": [poid]})
        done = await p.wait(lambda m: m["type"] == "propagation.done", 600, start)
        frames = {m["frame"] for m in p.since(start, "masks")}
        fps.append(len(frames) / (done["_t"] - t0))
    await p.close()

    # fan-out: 50 clients in the room; per-client latency from the click to its masks
    viewers = [await Client.connect(stack, vid, "bob") for _ in range(FANOUT)]
    fan = []
    for r in range(FANOUT_ROUNDS):
        starts = [len(v.msgs) for v in viewers]
        t0 = time.perf_counter()
        sent = len(a.msgs)
        await a.send({"type": "prompt.add", "object_id": oid, "frame": r % N_FRAMES,
                      "points": [[W / 3, H / 3]], "labels": [1], "clear_old": True})
        first = await a.wait(lambda m: m["type"] == "masks" and m["source"] == "prompt", 60, sent)
        for v, s in zip(viewers, starts):
            got = await v.wait(lambda m: m["type"] == "masks" and m["seq"] == first["seq"], 60, s)
            fan.append((got["_t"] - t0, got["_t"] - first["_t"]))
    for c in (a, *viewers):
        await c.close()
    return {"raw_lat": raw_lat, "lat": lat, "cpu": cpu_per_click, "raw_fps": raw_fps,
            "fps": fps, "fan": fan}


TRACE = Path(tempfile.mkdtemp(prefix="mf-trace-")) / "trace.txt"


def write_results(text: str) -> None:
    from bench.results import write_section

    write_section("realtime", text)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from tests.realtime.stack import Stack, services_up

    if not services_up():
        sys.exit("bench_realtime needs Postgres and Redis on 127.0.0.1")
    jpegs = frames_bytes()
    load_before = os.getloadavg()[0]
    trap = threading_trap(jpegs)
    import torch

    torch.set_num_threads(THREADS)
    raw = RawEngine(jpegs)
    stack = Stack(Path(tempfile.mkdtemp(prefix="mf-bench-")), workers=1,
                  videos={"bench": (N_FRAMES, W, H), "prop": (N_FRAMES, W, H)},
                  env={"SAM2_TORCH_THREADS": str(THREADS), "MASKFLOW_TRACE": str(TRACE),
                       # the fan-out's 50 viewers are one user: lift the per-user socket cap
                       "WS_MAX_SOCKETS_PER_USER": str(FANOUT + 8)})
    try:
        stack.start()
        r = asyncio.run(stack_run(stack, raw))
    finally:
        stack.stop()
    raw_lat, lat = r["raw_lat"], r["lat"]
    paired = [s_ - r_ for s_, r_ in zip(lat, raw_lat)]
    raw_cpu = float(np.mean(raw.cpu))
    cpu = r["cpu"]
    raw_fps, fps = float(np.mean(r["raw_fps"])), float(np.mean(r["fps"]))
    fan_abs = [f[0] for f in r["fan"]]
    fan_spread = [f[1] for f in r["fan"]]
    lines = [
        "## Realtime (bench/bench_realtime.py)",
        "",
        f"random-tiny, {N_FRAMES} frames of {W}x{H}, {CLICKS} clicks and {PROP_ROUNDS} "
        f"propagations, CPU ({os.cpu_count()} cores), one inference worker (`--pool solo`), "
        f"uvicorn, channels_redis (pub/sub), Postgres; measured "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}{' (--quick)' if QUICK else ''}; "
        f"torch threads {THREADS} in both the raw engine and the worker. Raw and stack ran in "
        f"turns, click by click and propagation by propagation. Load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after. Command: "
        f"`.venv/bin/python bench/bench_realtime.py{' --quick' if QUICK else ''}` (or `make bench`).",
        "",
        "The overhead is CPU work in Python processes (about ten Redis and Postgres round trips, "
        "the Celery hop, two websocket hops), so it scales with the machine: on this shared "
        "2-core box its speed drifts by up to 1.5x within minutes, and the same code measured "
        "+13.9 to +16 ms p50 across runs on 2026-11-26 and +17.8 to +20.8 ms on 2026-12-01.",
        "",
        "| metric | raw engine | full stack at the client | overhead / ratio | goal |",
        "|---|---|---|---|---|",
        f"| click → masks p50 | {pct(raw_lat, 50):.1f} ms | {pct(lat, 50):.1f} ms | "
        f"{pct(lat, 50) - pct(raw_lat, 50):+.1f} ms (per click pair: "
        f"{pct(paired, 50):+.1f} ms) | ≤ 15 ms |",
        f"| click → masks p99 | {pct(raw_lat, 99):.1f} ms | {pct(lat, 99):.1f} ms | "
        f"{pct(lat, 99) - pct(raw_lat, 99):+.1f} ms (per click pair: "
        f"{pct(paired, 99):+.1f} ms) | ≤ 50 ms |",
        f"| CPU per click | {raw_cpu * 1000:.1f} ms | {sum(cpu) * 1000:.1f} ms: server "
        f"{cpu[0] * 1000:.1f} + worker {cpu[1] * 1000:.1f} (Postgres, Redis not counted) | "
        f"{(sum(cpu) - raw_cpu) * 1000:+.1f} ms | |",
        f"| propagation fps | {raw_fps:.1f} | {fps:.1f} | {fps / raw_fps:.2f}× | ≥ 0.9× |",
        f"| fan-out to {FANOUT} clients, click → each client's masks | | p50 {pct(fan_abs, 50):.1f} ms, "
        f"p99 {pct(fan_abs, 99):.1f} ms | spread after the sender: p99 {pct(fan_spread, 99):.1f} ms | |",
        "",
        "Where a click's time goes (median ms after the client sent it; every process "
        "appends a timestamp per stage to one file, MASKFLOW_TRACE):",
        "",
        "| stage reached | ms |",
        "|---|---|",
        *[f"| {label} | {ms:.1f} |" for label, ms in stage_breakdown(TRACE)],
        "",
        "Embedded mode, the threading trap (same clicks, raw engine):",
        "",
        "| where the click runs | p50 | p99 |",
        "|---|---|---|",
    ]
    for name, xs in trap.items():
        lines.append(f"| {name} | {pct(xs, 50):.1f} ms | {pct(xs, 99):.1f} ms |")
    best = min(trap, key=lambda k: pct(trap[k], 50))
    lines += ["", f"Fastest here: {best}. The embedded inference thread runs with one torch "
              "thread (`inference.configure_torch_threads(off_main_thread=True)`, DESIGN.md's "
              "idle-machine measurement: 10.6 ms main thread, 21 ms spawned thread, 14 ms "
              "spawned with one thread); `SAM2_TORCH_THREADS` overrides it. On a loaded shared "
              "machine OpenMP spin-waiting makes every multi-thread row noisy, so compare rows "
              "of one run only. Celery inference workers run tasks on the main thread "
              "(`--pool solo`)."]
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(text)


if __name__ == "__main__":
    main()
