"""Ultralytics YOLO segmentation, laid out by Ultralytics's dataset rules:
images/<split>/<video>/<frame>.jpg and labels/<split>/<video>/<frame>.txt (the label path
is the image path with images/ → labels/), one line per polygon `class x1 y1 ...`
normalised to [0, 1], and data.yaml with `train`, `val` (only when the export has a val
split) and `names` (no `nc`: Ultralytics counts the names itself, and CVAT's YOLOv8
importer, through Datumaro, takes every other top-level key for a subset)."""
from __future__ import annotations

import json

import cv2
import numpy as np

from webapp.exports import masks as M
from webapp.exports.formats.base import ExportPlan, Progress, readme


def polygons(mask: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[np.ndarray]:
    """Outer contours of a binary mask as (n, 2) float arrays of pixel-centre coordinates
    (shifted by `offset` = (x, y) when the mask is a crop). Holes are not representable
    in YOLO and are filled; parts of fewer than three vertices (one-pixel lines) are
    dropped."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8, copy=False), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
        offset=offset,
    )
    return [c.reshape(-1, 2).astype(np.float64) for c in contours if len(c) >= 3]


def label_lines(rles: dict[int, dict], class_of: dict[int, int], h: int, w: int) -> list[str]:
    lines = []
    for number in sorted(rles):
        rle = rles[number]
        if M.area(rle) == 0:
            continue
        m, (y0, _, x0, _) = M.decode_cropped(rle, h, w)
        for poly in polygons(m, (x0, y0)):
            # Pixel-centre vertices over the image size, as Ultralytics' own converter
            # writes them: scaled back and filled (cv2.fillPoly) they give the mask again.
            # The 0.01 px nudge keeps 6-decimal rounding from landing a vertex just below
            # its pixel, where readers that truncate to int (Ultralytics does) lose a row.
            xs = np.clip((poly[:, 0] + 0.01) / w, 0, 1)
            ys = np.clip((poly[:, 1] + 0.01) / h, 0, 1)
            coords = " ".join(map("{:.6f}".format, np.column_stack([xs, ys]).ravel().tolist()))
            lines.append(f"{class_of[number]} {coords}")
    return lines


DEFAULT_VAL_FRACTION = 0.1


def split_point(n_frames: int, val_fraction: float) -> int:
    """How many of a video's exported frames (the first ones) go to train; the rest, a
    contiguous tail, to val. A contiguous tail rather than every k-th frame: neighbouring
    frames are near-duplicates, so interleaving them would make val a copy of train."""
    if n_frames < 2 or val_fraction <= 0:
        return n_frames
    n_val = max(1, round(n_frames * val_fraction))
    return n_frames - min(n_val, n_frames - 1)


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    weight = 0.5 if plan.include_frames else 1.0
    val_fraction = plan.options.get("val_fraction", DEFAULT_VAL_FRACTION)
    splits_used: set[str] = set()
    for vp in plan.videos:
        class_of = {o.number: o.class_index for o in vp.objects}
        cut = split_point(len(vp.frames), float(val_fraction or 0))
        split_of = {f: ("train" if i < cut else "val") for i, f in enumerate(vp.frames)}
        splits_used.update(split_of.values())
        for f, rles in plan.frame_masks(vp):
            lines = label_lines(rles, class_of, vp.height, vp.width)
            zw.write_text(f"labels/{split_of[f]}/{vp.name}/{f:05d}.txt",
                          "".join(line + "\n" for line in lines))
            progress(weight)
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, n=vp.name: f"images/{split_of[f]}/{n}/{f:05d}.jpg",
                             progress, 0.5)
    names = "".join(f"  {i}: {json.dumps(c)}\n" for i, c in enumerate(plan.categories))
    split_lines = "".join(f"{s}: images/{s}\n" for s in ("train", "val")
                          if s in splits_used) or "train: images/train\n"
    zw.write_text("data.yaml", (
        "# Maskflow export (YOLO segmentation). No `path:` on purpose: Ultralytics then\n"
        "# resolves train/val relative to this file's folder.\n"
        f"{split_lines}names:\n{names}"
    ))
    zw.write_text("README.md", readme(plan, "yolo", f"""
labels/<split>/<video>/<frame:05d>.txt: one line per polygon, `class x1 y1 x2 y2 ...`, with
coordinates normalised by the frame's width and height; class indices are 0-based in the
project's label order (data.yaml names). Every exported frame has a label file (empty
when nothing is on it). A masklet in several parts gives one polygon per part; holes are
filled, as YOLO polygons cannot carry them.
images/<split>/<video>/<frame:05d>.jpg: the frames (when included).
Splits: the last {float(val_fraction or 0):.0%} of each video's exported frames (a contiguous
tail, at least one frame when the video has two or more) are `val`, the rest `train`
(export option val_fraction; 0 = train only, then add a `val:` to data.yaml yourself,
as Ultralytics's trainer wants one).
Checked against Ultralytics's dataset rules (data.yaml keys, images/ → labels/ paths,
polygon rows) and Datumaro's YOLO-Ultralytics segmentation importer, which CVAT's
YOLOv8-segmentation import uses."""))
