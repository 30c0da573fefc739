"""SAM 2 engine vs the raw sam2 predictor, side by side in one run (random-tiny, CPU).

Measures, interleaving engine and raw runs so that machine load hits both alike:
  - click latency (ms, median): Session.add_prompt (incl. RLE of every object) vs
    predictor.add_new_points_or_box on the official init_state,
  - propagation fps forward and backward (incl. RLE per frame for the engine),
  - RSS over a long video, each side in its own child process: the official loader holds
    every frame; the engine decodes lazily and trims per-frame outputs,
  - RLE encode ms for a 1080p mask: inference.rle vs pycocotools on a C-ordered array,
  - the threading trap: a click on the main thread vs a spawned thread, per thread count.

    .venv/bin/python bench/bench_inference.py [--frames 120] [--long 1000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

W, H = 854, 480  # 480p: clicks and propagation return masks at video resolution


def make_clip(n: int, width: int, height: int, folder: Path | None):
    from inference.synthetic import encode_jpeg, synthetic_frame

    jpegs = [encode_jpeg(synthetic_frame(i, width, height)) for i in range(n)]
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(jpegs):
            (folder / f"{i:05d}.jpg").write_bytes(data)
    return jpegs


def new_session(model, jpegs, width, height, cache_bytes=256 << 20, **kw):
    from inference import JpegFrameSource, Session

    src = JpegFrameSource(
        lambda i: jpegs[i], len(jpegs), width, height, model.info.image_size, cache_bytes
    )
    return Session(model, src, **kw)


def bench_clicks(model, jpegs, folder, clicks: int):
    """Median click ms. "warm": the frame was decoded beforehand (the adapter prefetches the
    frame a user looks at); "cold": the engine decodes the JPEG inside the click. The raw
    predictor loaded every frame in init_state, so it is always warm."""
    from inference.synthetic import blob_center

    p = model.predictor
    engine = new_session(model, jpegs, W, H, cache_bytes=16 << 20)
    raw = p.init_state(str(folder), offload_video_to_cpu=True)
    warm, cold, r_ms = [], [], []
    for k in range(clicks):
        frame = (k * 7) % len(jpegs)
        obj = k % 3 + 1
        pt = [list(blob_center(frame, W, H, obj - 1))]
        is_warm = k % 4 < 2
        if is_warm:
            engine.frames[frame]
        # Alternate who goes first; each side computes the frame's features itself.
        order = ("e", "r") if k % 2 == 0 else ("r", "e")
        for who in order:
            t = time.perf_counter()
            if who == "e":
                engine.add_prompt(obj, frame, points=pt, labels=[1])
                (warm if is_warm else cold).append((time.perf_counter() - t) * 1e3)
            else:
                with torch.inference_mode():
                    p.add_new_points_or_box(raw, frame, obj, points=pt, labels=[1])
                r_ms.append((time.perf_counter() - t) * 1e3)
    engine.close()
    return statistics.median(warm[1:]), statistics.median(cold[1:]), statistics.median(r_ms[2:])


def bench_propagation(model, jpegs, folder, repeats: int):
    """Best fps of `repeats` runs per direction, for three setups:
    engine (lazy JPEG decoding + read-ahead, RLE per frame), engine over frames decoded in
    advance (the raw predictor's situation: isolates the engine's own overhead), and raw
    `propagate_in_video` (frames loaded by init_state beforehand, not timed). "raw+load"
    also counts init_state's loading of every frame."""
    from inference.synthetic import blob_center

    p = model.predictor
    n = len(jpegs)
    kinds = ("engine", "engine_predecoded", "raw", "raw_with_load")
    res = {d: {k: [] for k in kinds} for d in ("forward", "backward")}
    cpu = {d: {k: [] for k in kinds} for d in ("forward", "backward")}
    for rep in range(repeats):
        for direction in ("forward", "backward"):
            start = 0 if direction == "forward" else n - 1
            pt = [list(blob_center(start, W, H, 0))]
            order = ("engine", "engine_predecoded", "raw")
            if rep % 2:
                order = order[::-1]
            for who in order:
                gc.collect()
                if who.startswith("engine"):
                    s = new_session(model, jpegs, W, H)
                    if who == "engine_predecoded":
                        for i in range(n):
                            s.frames[i]
                    s.add_prompt(1, start, points=pt, labels=[1])
                    t, c = time.perf_counter(), time.process_time()
                    k = sum(1 for _ in s.propagate(direction=direction))
                    res[direction][who].append(k / (time.perf_counter() - t))
                    cpu[direction][who].append((time.process_time() - c) / k * 1e3)
                    s.close()
                else:
                    t0, c0 = time.perf_counter(), time.process_time()
                    st = p.init_state(str(folder), offload_video_to_cpu=True)
                    load_s, load_c = time.perf_counter() - t0, time.process_time() - c0
                    p.add_new_points_or_box(st, start, 1, points=pt, labels=[1])
                    t, c = time.perf_counter(), time.process_time()
                    k = sum(1 for _ in p.propagate_in_video(st, reverse=direction == "backward"))
                    dt, dc = time.perf_counter() - t, time.process_time() - c
                    res[direction]["raw"].append(k / dt)
                    res[direction]["raw_with_load"].append(k / (dt + load_s))
                    cpu[direction]["raw"].append(dc / k * 1e3)
                    cpu[direction]["raw_with_load"].append((dc + load_c) / k * 1e3)
                    del st
    fps = {d: {k: max(v) for k, v in r.items()} for d, r in res.items()}
    cpu_ms = {d: {k: min(v) for k, v in r.items()} for d, r in cpu.items()}
    return fps, cpu_ms


def rss_child(mode: str, frames: int, cache_mb: int) -> dict:
    """Runs in a child process: RSS before, after session start, at frame 100 and at the end."""
    import psutil

    from inference import load_model
    from inference.synthetic import blob_center

    proc = psutil.Process()
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    model = load_model()
    w, h = 320, 240
    tmp = Path(tempfile.mkdtemp())
    jpegs = make_clip(frames, w, h, tmp / "f" if mode == "raw" else None)
    gc.collect()
    out = {"before": proc.memory_info().rss}
    pt = [list(blob_center(0, w, h, 0))]
    if mode == "raw":
        p = model.predictor
        st = p.init_state(str(tmp / "f"), offload_video_to_cpu=True)
        p.add_new_points_or_box(st, 0, 1, points=pt, labels=[1])
        out["started"] = proc.memory_info().rss
        it = ((f, None) for f, _, _ in p.propagate_in_video(st))
    else:
        s = new_session(model, jpegs, w, h, cache_bytes=cache_mb << 20)
        s.add_prompt(1, 0, points=pt, labels=[1])
        out["started"] = proc.memory_info().rss
        it = ((r.frame, None) for r in s.propagate())
    for f, _ in it:
        if f == 100:
            out["at100"] = proc.memory_info().rss
    out["end"] = proc.memory_info().rss
    return out


def bench_rss(frames: int, cache_mb: int):
    res = {}
    env = dict(os.environ, BENCH_THREADS=str(torch.get_num_threads()))
    for mode in ("engine", "raw"):
        cp = subprocess.run(
            [sys.executable, __file__, "--rss-child", mode, "--long", str(frames),
             "--cache-mb", str(cache_mb)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        res[mode] = json.loads(cp.stdout.strip().splitlines()[-1])
    return res


def bench_rle(repeats: int):
    from pycocotools import mask as mask_utils

    from inference.rle import encode_mask

    yy, xx = np.mgrid[0:1080, 0:1920]
    mask = ((xx - 900) ** 2 / 500**2 + (yy - 500) ** 2 / 300**2) <= 1
    mask |= (xx // 40 + yy // 40) % 7 == 0  # some texture, many runs
    logits = torch.from_numpy(np.where(mask, 5.0, -5.0).astype(np.float32))[None, None]

    def naive():
        m = (logits[0, 0] > 0).numpy()
        return mask_utils.encode(np.asfortranarray(m[:, :, None].astype(np.uint8)))

    def engine():
        return encode_mask((logits[:, 0] > 0).numpy()[0])

    assert engine()["counts"].encode() == naive()[0]["counts"]
    times = {"engine": [], "naive": []}
    for k in range(repeats):
        for name, fn in (("engine", engine), ("naive", naive)) if k % 2 else (
            ("naive", naive),
            ("engine", engine),
        ):
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1e3)
    return statistics.median(times["engine"]), statistics.median(times["naive"])


def bench_threads(model, jpegs, clicks: int):
    """Median click ms on the main thread vs a spawned thread, per torch thread count."""
    from inference.synthetic import blob_center

    def clicks_ms():
        s = new_session(model, jpegs, W, H)
        ms = []
        for k in range(clicks):
            frame = (k * 5) % len(jpegs)
            t = time.perf_counter()
            s.add_prompt(1, frame, points=[list(blob_center(frame, W, H))], labels=[1], clear_old=True)
            ms.append((time.perf_counter() - t) * 1e3)
        s.close()
        return statistics.median(ms[2:])

    out = {}
    before = torch.get_num_threads()
    for n in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(n)
        main = clicks_ms()
        box = {}
        th = threading.Thread(target=lambda: box.setdefault("ms", clicks_ms()))
        th.start()
        th.join()
        out[n] = (main, box["ms"])
    torch.set_num_threads(before)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=120, help="frames for click/fps runs")
    ap.add_argument("--long", type=int, default=1000, help="frames for the RSS run")
    ap.add_argument("--clicks", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache-mb", type=int, default=64, help="engine frame cache in the RSS run")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: engine's choice)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--rss-child", choices=("engine", "raw"))
    args = ap.parse_args()
    if args.rss_child:
        print(json.dumps(rss_child(args.rss_child, args.long, args.cache_mb)))
        return 0
    if args.quick:
        args.frames, args.long, args.clicks, args.repeats = 40, 300, 10, 1

    from inference import load_model
    from inference.threads import configure_torch_threads

    threads = configure_torch_threads(args.threads)
    model = load_model()
    tmp = Path(tempfile.mkdtemp())
    jpegs = make_clip(args.frames, W, H, tmp / "frames")
    print(f"# random-tiny on {model.info.device}, torch {torch.__version__}, "
          f"{threads} torch threads, {os.cpu_count()} CPUs, video {W}x{H}, {args.frames} frames")

    e, c, r = bench_clicks(model, jpegs, tmp / "frames", args.clicks)
    print(f"click ms (median, 3 objects, RLE of all)  engine warm frame {e:7.2f}   raw {r:7.2f}"
          f"   diff {e - r:+.2f} ms  ratio {e / r:.3f}")
    print(f"click ms (median) engine cold frame (JPEG decode in the click) {c:7.2f}   diff vs raw {c - r:+.2f} ms")
    fps, cpu_ms = bench_propagation(model, jpegs, tmp / "frames", args.repeats)
    for d, f in cpu_ms.items():
        print(
            f"propagate {d:8s} CPU ms/frame (all threads, min)  engine {f['engine']:6.2f}"
            f"  engine(pre-decoded) {f['engine_predecoded']:6.2f}  raw {f['raw']:6.2f}"
            f"  raw+load {f['raw_with_load']:6.2f}"
            f"  | pre-decoded/raw {f['engine_predecoded'] / f['raw']:.3f}"
            f"  engine/raw+load {f['engine'] / f['raw_with_load']:.3f}"
        )
    for d, f in fps.items():
        print(
            f"propagate {d:8s} fps  engine {f['engine']:6.2f}  engine(pre-decoded frames) "
            f"{f['engine_predecoded']:6.2f}  raw {f['raw']:6.2f}  raw+load {f['raw_with_load']:6.2f}"
            f"  | ratios engine/raw {f['engine'] / f['raw']:.3f}"
            f"  pre-decoded/raw {f['engine_predecoded'] / f['raw']:.3f}"
            f"  engine/raw+load {f['engine'] / f['raw_with_load']:.3f}"
        )
    rss = bench_rss(args.long, args.cache_mb)
    mib = 2**20
    for mode in ("engine", "raw"):
        x = rss[mode]
        print(
            f"RSS {args.long} frames 320x240 {mode:6s} ({'frame cache ' + str(args.cache_mb) + ' MiB' if mode == 'engine' else 'all frames loaded'})  start {(x['started'] - x['before']) / mib:7.1f} MiB"
            f"   growth frame 100->end {(x['end'] - x['at100']) / mib:7.1f} MiB"
            f"   total {(x['end'] - x['before']) / mib:7.1f} MiB"
        )
    e_tot = rss["engine"]["end"] - rss["engine"]["before"]
    r_tot = rss["raw"]["end"] - rss["raw"]["before"]
    print(f"RSS total ratio engine/raw {e_tot / r_tot:.3f}")
    e, r = bench_rle(30)
    print(f"RLE encode 1080p ms      engine {e:7.2f}   pycocotools(C array) {r:7.2f}   ratio {e / r:.3f}")
    for n, (m, t) in bench_threads(model, jpegs, max(10, args.clicks // 2)).items():
        print(f"threads={n}: click ms main thread {m:7.2f}   spawned thread {t:7.2f}   ratio {t / m:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
