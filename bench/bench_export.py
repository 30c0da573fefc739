"""Export throughput (frames/s) and peak RSS, 1000 frames × 5 masklets at 720p, per format.

Each export runs in its own child process so that its peak RSS (ru_maxrss) is its own.
Side by side in one run: every format at stride 5 (200 frames) and stride 1 (1000 frames);
the RSS ratio between the two shows whether memory grows with the video's length, and
the throughput ratio against a plain copy of the JPEGs into a zip shows the format's cost
over the I/O floor.

    .venv/bin/python bench/bench_export.py [--frames 1000] [--formats davis,coco,...]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ["davis", "ytvis", "coco", "sav", "yolo", "mots"]


def _django(var_dir: str) -> None:
    os.environ["MASKFLOW_VAR_DIR"] = var_dir
    os.environ["MEDIA_ROOT"] = str(Path(var_dir) / "media")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup_data(var_dir: str, frames: int, width: int, height: int, objects: int) -> int:
    _django(var_dir)
    import cv2
    import numpy as np
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from webapp.annotations.models import FrameMask, MaskSource, Object
    from webapp.exports import masks as M
    from webapp.projects.models import LabelClass, Project
    from webapp.videos.models import Video

    call_command("migrate", verbosity=0)
    project = Project.objects.create(name="bench")
    labels = [LabelClass.objects.create(project=project, name=f"class{i}", order=i)
              for i in range(3)]
    video = Video.objects.create(project=project, name="bench.mp4", status="ready", fps=30.0,
                                 num_frames=frames, width=width, height=height)
    objs = [Object.objects.create(video=video, label=labels[i % 3], name=f"obj{i}")
            for i in range(objects)]
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([(xx * 255 // width), (yy * 255 // height), ((xx + yy) % 256)], -1).astype(np.uint8)
    batch = []
    for f in range(frames):
        img = base.copy()
        for i, obj in enumerate(objs):
            t = f / max(1, frames - 1)
            # Neighbours overlap (centres 150 px apart, half-widths 90+ px): the formats
            # that need disjoint masks (davis, mots) pay for resolving it.
            cx = int(150 + i * 150 + t * 500) % (width - 100) + 50
            cy = int(150 + i * 80)
            m = np.zeros((height, width), np.uint8)
            cv2.ellipse(m, (cx, cy), (90 + 10 * i, 60), 15 * i, 0, 360, 1, -1)
            img[m.astype(bool)] = (40 * i, 200, 255 - 40 * i)
            rle = M.encode(m)
            batch.append(FrameMask(object=obj, video=video, frame=f, rle=rle, area=M.area(rle),
                                   bbox=M.bbox(rle), source=MaskSource.PROPAGATION, score=0.9))
        ok, jpg = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
        default_storage.save(video.frame_path(f), ContentFile(jpg.tobytes()))
        if len(batch) >= 1000:
            FrameMask.objects.bulk_create(batch)
            batch = []
    FrameMask.objects.bulk_create(batch)
    return video.pk


def run_one(var_dir: str, video_id: int, fmt: str, stride: int) -> dict:
    _django(var_dir)
    from django.core.files.storage import default_storage

    from webapp.exports.archive import ZipStreamWriter
    from webapp.exports.exporter import run_export
    from webapp.exports.models import ExportJob
    from webapp.videos.models import Video

    video = Video.objects.get(pk=video_id)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    if fmt == "copy":  # the I/O floor: the JPEGs into a zip, nothing else
        frames = list(range(0, video.num_frames, stride))
        with ZipStreamWriter() as zw:
            for f in frames:
                zw.copy_from_storage(f"{f:05d}.jpg", video.frame_path(f))
            name, size = zw.save("exports/bench-copy.zip")
        n = len(frames)
    else:
        job = ExportJob.objects.create(project=video.project, video=video, format=fmt,
                                       options={"stride": stride})
        job = run_export(job.pk)
        assert job.status == "done", job.error
        name, size, n = job.file, job.size_bytes, job.frames_written
    dt = time.perf_counter() - t0
    default_storage.delete(name)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"format": fmt, "stride": stride, "frames": n, "seconds": dt, "fps": n / dt,
            "zip_mb": size / 2**20, "peak_rss_mb": rss / 1024, "rss_before_mb": rss0 / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--objects", type=int, default=5)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--_child", nargs=4, metavar=("VAR", "VIDEO", "FMT", "STRIDE"))
    a = ap.parse_args()
    if a._child:
        var, vid, fmt, stride = a._child
        print(json.dumps(run_one(var, int(vid), fmt, int(stride))))
        return
    with tempfile.TemporaryDirectory(prefix="maskflow-bench-") as var:
        t0 = time.perf_counter()
        vid = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
             f"from bench.bench_export import setup_data; "
             f"print(setup_data({var!r}, {a.frames}, {a.width}, {a.height}, {a.objects}))"],
            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(f"setup: {a.frames} frames {a.width}x{a.height}, {a.objects} masklets "
              f"({time.perf_counter() - t0:.0f} s)")
        rows = []
        for fmt in ["copy"] + a.formats.split(","):
            for stride in (5, 1):
                out = subprocess.run([sys.executable, __file__, "--_child", var, vid, fmt,
                                      str(stride)], check=True, capture_output=True, text=True)
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                r = rows[-1]
                print(f"{fmt:6} stride {stride}: {r['frames']:5d} frames {r['seconds']:7.2f} s "
                      f"{r['fps']:7.1f} fps  zip {r['zip_mb']:7.1f} MB  peak RSS "
                      f"{r['peak_rss_mb']:6.0f} MB", flush=True)
    print(f"load average after the run (other work on the machine skews timings): "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    full = {r["format"]: r for r in rows if r["stride"] == 1}
    short = {r["format"]: r for r in rows if r["stride"] == 5}
    floor = full["copy"]["fps"]
    print()
    print("| format | frames/s (1000 frames, frames included) | vs JPEG-copy floor | peak RSS MB "
          "(1000 fr) | peak RSS MB (200 fr) | RSS ratio 1000/200 | zip MB |")
    print("|---|---|---|---|---|---|---|")
    for fmt, r in full.items():
        s = short[fmt]
        print(f"| {fmt} | {r['fps']:.1f} | {r['fps'] / floor:.2f}x | {r['peak_rss_mb']:.0f} | "
              f"{s['peak_rss_mb']:.0f} | {r['peak_rss_mb'] / s['peak_rss_mb']:.2f} | "
              f"{r['zip_mb']:.1f} |")


if __name__ == "__main__":
    main()
