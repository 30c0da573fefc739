"""GPU benchmark (run by bench/gpu.sh): every SAM 2.1 architecture on random weights, no
internet and no checkpoint needed, at the model's full resolution (1024).

Sections, each under its own time budget (the whole run stays under 8 minutes):
  arch   per architecture (tiny, small, base_plus, large) x torch.compile off/on
         (SAM2_COMPILE, EngineConfig.compile): propagation fps of the raw predictor
         (SAM2VideoPredictor, init_state on a JPEG folder, bf16 autocast) and of the engine
         (inference.Session, bf16 autocast, masks RLE'd and handed to a consumer thread, the
         point where the worker hands them to the room), side by side; click ms p50.
  vram   peak and per-frame VRAM of one engine session over FRAMES_LONG frames (flat means
         no per-frame growth), and the raw predictor with offload_state_to_cpu.
  multi  N sessions on one model: one propagates, the others click; click p95 per N.
Not measured here: the websocket hop to a browser (bench/bench_realtime.py measures that on
CPU); a section that runs out of budget prints "skipped (budget)".

    bench/gpu.sh                 # CUDA: full run
    bench/gpu.sh --dry-run       # CPU: random-tiny, few frames, proves the script end to end
"""
from __future__ import annotations

import argparse
import gc
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench_inference import make_clip, new_session  # noqa: E402

ARCHS = ["sam2.1_hiera_tiny", "sam2.1_hiera_small", "sam2.1_hiera_base_plus",
         "sam2.1_hiera_large"]
BUDGET_S = {"arch": 300, "vram": 60, "multi": 75}  # + model builds: < 8 min in all


class Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))] if xs else float("nan")


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def load(name: str, device: str, compile_: bool):
    from inference import EngineConfig, load_model

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "random weights": that is the point here
        return load_model(EngineConfig(model=name, device=device, compile=compile_))


def raw_run(model, folder: Path, n: int, clicks: int):
    """Raw predictor: frames loaded by init_state (not timed), bf16 autocast on CUDA."""
    from inference.synthetic import blob_center

    p = model.predictor
    with torch.inference_mode(), model.autocast():
        st = p.init_state(str(folder), offload_video_to_cpu=True)
        ms = []
        for k in range(clicks):
            t = time.perf_counter()
            p.add_new_points_or_box(st, 0, 1, points=[list(blob_center(0, W, H, 0))], labels=[1])
            sync()
            ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        k = sum(1 for _ in p.propagate_in_video(st))
        sync()
        fps = k / (time.perf_counter() - t)
    del st
    return fps, statistics.median(ms[1:] or ms)


def engine_run(model, jpegs, n: int, clicks: int):
    """Engine: masks RLE'd per frame and handed to a consumer thread (the room's side)."""
    from inference.synthetic import blob_center

    s = new_session(model, jpegs, W, H)
    ms = []
    for k in range(clicks):
        t = time.perf_counter()
        s.add_prompt(1, 0, points=[list(blob_center(0, W, H, 0))], labels=[1])
        sync()
        ms.append((time.perf_counter() - t) * 1e3)
    q: queue.Queue = queue.Queue()
    got = []
    consumer = threading.Thread(target=lambda: got.extend(iter(q.get, None)))
    consumer.start()
    t = time.perf_counter()
    for res in s.propagate():
        q.put(res)
    q.put(None)
    consumer.join()
    fps = len(got) / (time.perf_counter() - t)
    s.close()
    return fps, statistics.median(ms[1:] or ms)


def section_arch(args, device, jpegs, folder, rows):
    b = Budget(BUDGET_S["arch"] * args.scale)
    for name in args.archs:
        for compile_ in (False, True):
            if compile_ and not device.startswith("cuda"):
                rows.append((name, "compile=on", "skipped (CPU: compile is CUDA only)"))
                continue
            if b.left() <= 0:
                rows.append((name, f"compile={'on' if compile_ else 'off'}", "skipped (budget)"))
                continue
            t0 = time.monotonic()
            model = load(name, device, compile_)
            build_s = time.monotonic() - t0
            engine_run(model, jpegs[:4], 4, 1)  # warm-up (and compile)
            e_fps, e_ms = engine_run(model, jpegs, len(jpegs), args.clicks)
            r_fps, r_ms = raw_run(model, folder, len(jpegs), args.clicks)
            rows.append((name, f"compile={'on' if compile_ else 'off'}",
                         f"engine {e_fps:6.1f} fps | raw {r_fps:6.1f} fps | ratio "
                         f"{e_fps / r_fps:4.2f} | click p50 engine {e_ms:6.1f} ms raw "
                         f"{r_ms:6.1f} ms | build {build_s:4.1f} s"))
            del model
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()


def section_vram(args, device, rows):
    b = Budget(BUDGET_S["vram"] * args.scale)
    name = args.archs[0]
    if not device.startswith("cuda"):
        rows.append((name, "vram", "skipped (CPU: no VRAM); "
                     f"engine ran {args.long} frames below"))
    model = load(name, device, False)
    jpegs = make_clip(args.long, W, H, None)
    s = new_session(model, jpegs, W, H)
    from inference.synthetic import blob_center

    s.add_prompt(1, 0, points=[list(blob_center(0, W, H, 0))], labels=[1])
    marks, done = {}, 0
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    for _ in s.propagate():
        done += 1
        if done in (50, args.long // 2, args.long) and torch.cuda.is_available():
            marks[done] = torch.cuda.memory_allocated() / 2**20
        if b.left() <= 0:
            break
    s.close()
    peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else 0.0
    detail = ", ".join(f"@{k}: {v:.0f} MiB" for k, v in marks.items())
    status = "" if done == args.long else f" (budget: stopped at {done})"
    rows.append((name, "vram/session", f"{done} frames{status}; allocated {detail or 'n/a'}; "
                 f"peak {peak:.0f} MiB"))
    del model
    gc.collect()


def section_multi(args, device, jpegs, rows):
    from inference.synthetic import blob_center

    b = Budget(BUDGET_S["multi"] * args.scale)
    name = args.multi_arch
    model = load(name, device, False)
    for n in args.sessions:
        if b.left() <= 0:
            rows.append((name, f"sessions={n}", "skipped (budget)"))
            continue
        sessions = [new_session(model, jpegs, W, H) for _ in range(n)]
        for s in sessions:
            s.add_prompt(1, 0, points=[list(blob_center(0, W, H, 0))], labels=[1])
        stop = threading.Event()
        clicks: list[float] = []
        frames = [0]

        def propagate(s=sessions[0]):
            while not stop.is_set():
                for _ in s.propagate():
                    frames[0] += 1
                    if stop.is_set():
                        break

        def click(s, k0):
            k = k0
            while not stop.is_set():
                f = (k * 7) % len(jpegs)
                t = time.perf_counter()
                s.add_prompt(2, f, points=[list(blob_center(f, W, H, 1))], labels=[1])
                sync()
                clicks.append((time.perf_counter() - t) * 1e3)
                k += 1
                time.sleep(0.05)  # a user clicks a few times a second at most

        threads = [threading.Thread(target=propagate)]
        threads += [threading.Thread(target=click, args=(s, i)) for i, s in
                    enumerate(sessions[1:])]
        t = time.perf_counter()
        for th in threads:
            th.start()
        time.sleep(min(args.multi_s, max(1.0, b.left())))
        stop.set()
        for th in threads:
            th.join()
        dt = time.perf_counter() - t
        for s in sessions:
            s.close()
        p95 = f"{pct(clicks, 95):6.1f} ms over {len(clicks)} clicks" if clicks else "no clicks"
        rows.append((name, f"sessions={n}", f"propagating {frames[0] / dt:6.1f} fps; "
                     f"click p95 {p95}"))
    del model
    gc.collect()


def main() -> int:
    global W, H
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true",
                    help="CPU, random-tiny, a few frames: proves the script end to end")
    args = ap.parse_args()
    cuda = torch.cuda.is_available()
    if args.dry_run or not cuda:
        if not args.dry_run:
            print("# no CUDA device: running the --dry-run (CPU, random-tiny, few frames); "
                  "these figures say nothing about a GPU")
        device, W, H = "cpu", 320, 240
        args.archs, args.multi_arch = ["random-tiny"], "random-tiny"
        args.frames, args.long, args.clicks = 6, 12, 2
        args.sessions, args.multi_s, args.scale = [1, 2], 2.0, 0.5
    else:
        device, W, H = "cuda", 1280, 720
        args.archs, args.multi_arch = ARCHS, "sam2.1_hiera_base_plus"
        args.frames, args.long, args.clicks = 100, 1000, 5
        args.sessions, args.multi_s, args.scale = [1, 2, 4, 8], 15.0, 1.0
    start = time.monotonic()
    gpu = torch.cuda.get_device_name(0) if cuda and device == "cuda" else "CPU"
    print(f"# gpu_bench {'dry run' if device == 'cpu' else 'full'} on {gpu}, torch "
          f"{torch.__version__}, {W}x{H}, {args.frames} frames, {time.strftime('%F %T')}",
          flush=True)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clip"
        jpegs = make_clip(args.frames, W, H, folder)
        for name, fn in (("arch", lambda: section_arch(args, device, jpegs, folder, rows)),
                         ("vram", lambda: section_vram(args, device, rows)),
                         ("multi", lambda: section_multi(args, device, jpegs, rows))):
            t = time.monotonic()
            try:
                fn()
            except Exception as e:  # one section failing must not hide the others
                rows.append(("-", name, f"FAILED: {type(e).__name__}: {e}"[:200]))
            print(f"# section {name}: {time.monotonic() - t:.1f} s", flush=True)
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"\n{'model':<{w0}}  {'setting':<{w1}}  result")
    for a, b_, c in rows:
        print(f"{a:<{w0}}  {b_:<{w1}}  {c}")
    print(f"\n# total {time.monotonic() - start:.1f} s")
    return 1 if any("FAILED" in r[2] for r in rows) else 0


W, H = 1280, 720

if __name__ == "__main__":
    sys.exit(main())
