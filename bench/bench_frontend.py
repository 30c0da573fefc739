"""Editor speed in Chromium: `masks` message → overlay painted (10 objects, 1080p) against a
plain decode-and-copy painter in the same page, and playback through cached frames.

Runs the Playwright speed test (live server, Debian Chromium) and prints its measurements,
which it also leaves in bench/out/frontend_perf.json.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    out = ROOT / "bench" / "out" / "frontend_perf.json"
    out.unlink(missing_ok=True)
    rc = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/browser/test_screenshots_and_speed.py", "-k", "speed"],
        cwd=ROOT,
    )
    if not out.exists():
        print("no measurements were written", file=sys.stderr)
        return rc or 1
    r = json.loads(out.read_text())
    print(f"masks → overlay, {r['objects']} objects at {r['video']}: median {r['paint_ms_median']} ms, "
          f"p95 {r['paint_ms_p95']} ms (budget 16 ms)")
    print(f"plain decode + per-pixel copy, same masks and page: median {r['naive_paint_ms_median']} ms "
          f"→ {r['speedup_vs_naive']}x faster")
    print(f"playback of cached frames at {r['video_fps']} fps: 1080p {r['playback_fps_1080p']} fps "
          f"({r['stalls_1080p']} stalls), 640x360 {r['playback_fps_360p']} fps ({r['stalls_360p']} stalls)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
