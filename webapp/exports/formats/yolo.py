"""Ultralytics YOLO segmentation, laid out by Ultralytics's dataset rules:
images/<split>/<video>/<frame>.jpg and labels/<split>/<video>/<frame>.txt (the label path
is the image path with images/ → labels/), one line per polygon `class x1 y1 ...`
normalised to [0, 1], and data.yaml with `train`, `val` (only when the export has a val
split) and `names` (no `nc`: Ultralytics counts the names itself, and CVAT's YOLOv8
importer, through Datumaro, takes every other top-level key for a subset)."""
from __future__ import annotations

import json
import re

import cv2
import numpy as np

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader


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


def label_lines(rles: dict[int, dict], class_of: dict[int, int], h: int, w: int,
                numbers: list[int] | None = None) -> list[str]:
    """The label file's rows; `numbers`, when given, receives each row's object number."""
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
            if numbers is not None:
                numbers.append(number)
    return lines


DEFAULT_VAL_FRACTION = 0.1
TRACKS_FILE = "maskflow_tracks.json"


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
    tracks: dict[str, dict] = {}
    for vp in plan.videos:
        class_of = {o.number: o.class_index for o in vp.objects}
        rows_of: dict[str, list[int]] = {}
        tracks[vp.name] = {"objects": {str(o.number): {"name": o.name, "label": o.category}
                                       for o in vp.objects},
                           "rows": rows_of}
        cut = split_point(len(vp.frames), float(val_fraction or 0))
        split_of = {f: ("train" if i < cut else "val") for i, f in enumerate(vp.frames)}
        splits_used.update(split_of.values())
        for f, rles in plan.frame_masks(vp):
            numbers: list[int] = []
            lines = label_lines(rles, class_of, vp.height, vp.width, numbers)
            if numbers:
                rows_of[str(f)] = numbers
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
    zw.write_json(TRACKS_FILE, {"videos": tracks})
    zw.write_text("README.md", readme(plan, "yolo", f"""
labels/<split>/<video>/<frame:05d>.txt: one line per polygon, `class x1 y1 x2 y2 ...`, with
coordinates normalised by the frame's width and height; class indices are 0-based in the
project's label order (data.yaml names). Every exported frame has a label file (empty
when nothing is on it). A masklet in several parts gives one polygon per part; holes are
filled, as YOLO polygons cannot carry them.
images/<split>/<video>/<frame:05d>.jpg: the frames (when included).
{TRACKS_FILE}: what YOLO cannot say, for Maskflow's own import (other tools ignore it):
per video, the masklet number of each label row ("rows": {{frame: [number per row]}}) and
each masklet's name and label.
Splits: the last {float(val_fraction or 0):.0%} of each video's exported frames (a contiguous
tail, at least one frame when the video has two or more) are `val`, the rest `train`
(export option val_fraction; 0 = train only, then add a `val:` to data.yaml yourself,
as Ultralytics's trainer wants one).
Checked against Ultralytics's dataset rules (data.yaml keys, images/ → labels/ paths,
polygon rows) and Datumaro's YOLO-Ultralytics segmentation importer, which CVAT's
YOLOv8-segmentation import uses."""))


# --- import -------------------------------------------------------------------------

_LABEL = re.compile(r"(?:^|/)labels/(?:(?:train|val|valid|test)/)?(?:(.+)/)?([^/]*?)(\d+)\.txt$")
MAX_VERTICES = 100_000
LINK_GAP = 10  # frames a masklet may be missing and still be linked by overlap


class YoloReader(Reader):
    """YOLO segmentation labels (labels/[<split>/][<video>/]<frame>.txt, classes named by
    data.yaml), one video at a time. YOLO rows carry no identity: where the upload has
    Maskflow's maskflow_tracks.json the rows rejoin their masklets; otherwise each row
    is linked to the masklet of the same class whose last mask (at most LINK_GAP frames
    back) it overlaps best (IoU ≥ 0.3), else it starts a new masklet. Polygons are filled as Ultralytics rasterises them
    (scaled to pixels, truncated to int, cv2.fillPoly)."""

    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        self.archive = archive
        by_video: dict[str, list[tuple[int, str]]] = {}
        for n in archive.names():
            m = _LABEL.search(n)
            if m:
                by_video.setdefault(m.group(1) or "", []).append((int(m.group(3)), n))
        if not by_video:
            raise ArchiveError("no YOLO label files (labels/.../<frame>.txt) found")
        self.vname = self.choose(sorted(by_video), export_name, video.name)
        self.files = sorted(by_video[self.vname])
        self.names = self._names(archive)
        self.rows = None
        if TRACKS_FILE in archive.names():
            doc = archive.read_json(TRACKS_FILE)
            v = (doc.get("videos") or {}).get(self.vname) if isinstance(doc, dict) else None
            if isinstance(v, dict):
                self.rows = v.get("rows") if isinstance(v.get("rows"), dict) else None
                for num, info in sorted((v.get("objects") or {}).items(),
                                        key=lambda kv: _intish(kv[0])):
                    if isinstance(info, dict):
                        name, label = info.get("name"), info.get("label")
                        self.declare(f"m{num}", name if isinstance(name, str) else None,
                                     label if isinstance(label, str) else None)

    @staticmethod
    def _names(archive) -> dict[int, str]:
        yml = [n for n in archive.names() if n.rsplit("/", 1)[-1] in ("data.yaml", "data.yml")]
        if not yml:
            return {}
        import yaml

        try:
            doc = yaml.safe_load(archive.read(yml[0], limit=1 << 20).decode("utf-8", "replace"))
        except yaml.YAMLError as e:
            raise ArchiveError(f"{yml[0]}: not valid YAML ({str(e)[:200]})") from None
        names = doc.get("names") if isinstance(doc, dict) else None
        if isinstance(names, list):
            return {i: str(v) for i, v in enumerate(names)}
        if isinstance(names, dict):
            return {int(k): str(v) for k, v in names.items() if isinstance(k, int)
                    or (isinstance(k, str) and k.isdigit())}
        return {}

    def _frame_rows(self, name: str):
        h, w = self.video.height, self.video.width
        text = self.archive.read(name, self.archive.max_json).decode("ascii", "replace")
        out = []
        for i, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            where = f"{name} line {i}"
            try:
                cls = int(fields[0])
                xy = np.array(fields[1:], dtype=np.float64)
            except ValueError:
                raise ArchiveError(f"{where}: expected `class x1 y1 x2 y2 ...` numbers") from None
            if xy.size < 6 or xy.size % 2 or xy.size > 2 * MAX_VERTICES:
                raise ArchiveError(f"{where}: a polygon needs 3 or more x y pairs")
            if not np.isfinite(xy).all() or (xy < 0).any() or (xy > 1).any():
                raise ArchiveError(f"{where}: coordinates must be normalised to [0, 1]")
            pts = (xy.reshape(-1, 2) * [w, h]).astype(np.int32)
            mask = np.zeros((h, w), dtype=np.uint8)
            cv2.fillPoly(mask, [pts], 1)
            out.append((cls, mask))
        return out

    def masks(self):
        # The last mask of each masklet, for linking rows without identity (within
        # LINK_GAP frames, so a masklet missing on a frame or two is picked up again).
        last: dict[object, tuple[int, int, np.ndarray]] = {}
        auto = 0
        for frame, name in self.files:
            self.check_frame(frame, name)
            rows = self._frame_rows(name)
            numbers = self.rows.get(str(frame)) if self.rows is not None else None
            if not isinstance(numbers, list) or len(numbers) != len(rows):
                numbers = None
            merged: dict[object, tuple[int, np.ndarray]] = {}
            for k, (cls, mask) in enumerate(rows):
                if numbers is not None:
                    key = f"m{numbers[k]}"
                else:
                    key = _link(mask, cls, [(t, c, m) for t, (f, c, m) in last.items()
                                            if t not in merged and frame - f <= LINK_GAP])
                    if key is None:
                        auto += 1
                        key = f"t{auto}"
                if key in merged:  # a masklet in several parts: one row per part
                    merged[key] = (cls, merged[key][1] | mask)
                else:
                    merged[key] = (cls, mask)
            for key, (cls, mask) in merged.items():
                if key not in self.tracks:
                    self.declare(key, None, self.names.get(cls, str(cls)))
                last[key] = (frame, cls, mask)
                if mask.any():
                    yield frame, key, M.encode(mask)


def _intish(v):
    try:
        return (0, int(v))
    except (TypeError, ValueError):
        return (1, str(v))


def _link(mask: np.ndarray, cls: int, prev) -> object | None:
    best, best_iou = None, 0.3
    for key, pcls, pmask in prev:
        if pcls != cls:
            continue
        inter = np.count_nonzero(mask & pmask)
        if not inter:
            continue
        iou = inter / np.count_nonzero(mask | pmask)
        if iou >= best_iou:
            best, best_iou = key, iou
    return best
