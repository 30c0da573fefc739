"""Ingest throughput: our decoder (PyAV -> per-frame JPEGs, the path uploads take) against
the ffmpeg CLI writing JPEGs from the same file, side by side in one run.

Run: .venv/bin/python bench/bench_ingest.py [--frames 300] [--size 1280x720]"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.videos.decode import decode_to_jpegs  # noqa: E402
from webapp.videos.synthetic import write_video  # noqa: E402


def _ours(src: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "webapp.videos.decode", str(src), str(out), "90"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 0, proc.stderr
    return time.perf_counter() - t


def _ffmpeg(src: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(src), "-q:v", "2", "-start_number", "0",
         str(out / "%06d.jpg")],
        check=True,
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    w, h = map(int, args.size.split("x"))
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg CLI not found: apt-get install ffmpeg (needed for this benchmark only)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = write_video(tmp / "bench.mp4", num_frames=args.frames, width=w, height=h)
        n = decode_to_jpegs(src, tmp / "warm").num_frames  # warm the page cache
        ours, ref = [], []
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            ours.append(_ours(src, tmp / "ours"))
            ref.append(_ffmpeg(src, tmp / "ff"))
        n_ff = len(list((tmp / "ff").glob("*.jpg")))
        best_ours, best_ref = min(ours), min(ref)
        print(f"ingest {n} frames {w}x{h} (ffmpeg wrote {n_ff}), best of {args.repeat}:")
        print(f"  maskflow decode (child process, PyAV+PIL JPEG q90): {n / best_ours:7.1f} frames/s")
        print(f"  ffmpeg CLI (-q:v 2):                                {n_ff / best_ref:7.1f} frames/s")
        print(f"  ratio maskflow/ffmpeg: {(n / best_ours) / (n_ff / best_ref):.2f}")


if __name__ == "__main__":
    main()
