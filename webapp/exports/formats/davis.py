"""DAVIS 2017 / YouTube-VOS layout: JPEGImages/<video>/<00000>.jpg, indexed PNG masks in
Annotations/<video>/<00000>.png (palette = DAVIS, index = object number), meta.json."""
from __future__ import annotations

import io
import re
import struct

import numpy as np
from PIL import Image

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportError, ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader

VOID = 255  # DAVIS marks ignored pixels with 255; import skips them


def max_pixels() -> int:
    """Pixels of one mask image (IMPORT_MAX_PIXELS, else the video resolution limit)."""
    from django.conf import settings

    return int(getattr(settings, "IMPORT_MAX_PIXELS", 0)
               or getattr(settings, "INGEST_MAX_WIDTH", 3840) * getattr(settings, "INGEST_MAX_HEIGHT", 2160))


def _png(index: np.ndarray) -> bytes:
    if index.dtype != np.uint8:
        raise ExportError("DAVIS PNGs hold at most 254 objects per video")
    h, w = index.shape
    img = Image.frombytes("P", (w, h), np.ascontiguousarray(index).tobytes())
    img.putpalette(M.DAVIS_PALETTE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    meta: dict = {"videos": {}}
    for vp in plan.videos:
        if len(vp.objects) >= VOID:
            raise ExportError(
                f"video {vp.video.pk} has {len(vp.objects)} masklets; DAVIS PNGs index at most 254"
            )
        objects = {
            str(o.number): {"category": o.category, "name": o.name, "maskflow_id": o.pk, "frames": []}
            for o in vp.objects
        }
        h, w = vp.height, vp.width
        stem = vp.video.frame_stem  # the uploaded picture's name, or 00000-style numbers
        empty_png: bytes | None = None
        weight = 0.5 if plan.include_frames else 1.0
        for f, rles in plan.frame_masks(vp):
            if rles:
                index = M.index_map(rles, h, w)
                counts = np.bincount(index.ravel(), minlength=len(vp.objects) + 1)
                for n in np.flatnonzero(counts[1:]) + 1:
                    objects[str(int(n))]["frames"].append(stem(f))
                data = _png(index)
            else:
                if empty_png is None:
                    empty_png = _png(np.zeros((h, w), dtype=np.uint8))
                data = empty_png
            zw.write_bytes(f"Annotations/{vp.name}/{stem(f)}.png", data)
            progress(weight)
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, n=vp.name, s=stem: f"JPEGImages/{n}/{s(f)}.jpg",
                             progress, 0.5)
        meta["videos"][vp.name] = {
            "frame_indices": {stem(f): f for f in vp.frames},
            "objects": objects,
            "width": w,
            "height": h,
            "fps": vp.video.fps,
            "num_frames": vp.video.num_frames,
        }
    zw.write_json("meta.json", meta)
    zw.write_text("README.md", readme(plan, "davis", """
Annotations/<video>/<frame>.png: 8-bit indexed PNG with the DAVIS palette for every
exported frame (empty frames included); pixel value n = object number n (0 background).
meta.json follows YouTube-VOS: videos.<video>.objects.<n> = {category, frames}, plus the
masklet's name and Maskflow id.
JPEGImages/<video>/<frame>.jpg: the frames (when included).
<frame> is the uploaded picture's own name for image uploads (when those names are unique),
else the 0-based frame index as 00000; meta.json's frame_indices maps each name to the
frame index.
Checked against the DAVIS 2017 layout the davis2017-evaluation code reads
(Annotations/<seq>/*.png indexed by object number, JPEGImages/<seq>/*.jpg)."""))


_ANN = re.compile(r"^(?:.*/)?Annotations/([^/]+)/([^/]+)\.png$", re.IGNORECASE)


class DavisReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        by_video: dict[str, list[tuple[str, str]]] = {}
        for name, m in archive.iter_matching(_ANN):
            by_video.setdefault(m.group(1), []).append((m.group(2), name))
        if not by_video:
            raise ArchiveError("no Annotations/<video>/<frame>.png masks found in the archive")
        folder = self.choose(list(by_video), export_name)
        self.archive = archive
        self.max_pixels = max_pixels()
        # PIL refuses (DecompressionBombError) far past its own limit; keep it at ours.
        Image.MAX_IMAGE_PIXELS = self.max_pixels
        stems = by_video[folder]
        meta_objects: dict = {}
        indices: dict = {}
        meta_names = [n for n in archive.names() if n.rsplit("/", 1)[-1] == "meta.json"]
        if meta_names:
            meta = archive.read_json(meta_names[0])
            # meta.json only names the objects: a part of the wrong shape is ignored.
            videos = meta.get("videos") if isinstance(meta, dict) else None
            entry = videos.get(folder) if isinstance(videos, dict) else None
            meta_objects = entry.get("objects") if isinstance(entry, dict) else None
            meta_objects = meta_objects if isinstance(meta_objects, dict) else {}
            indices = entry.get("frame_indices") if isinstance(entry, dict) else None
            indices = indices if isinstance(indices, dict) else {}
        # A mask's frame: meta.json's frame_indices (frames named after uploaded pictures),
        # else the number its name is (DAVIS's 00000.png).
        self.files = []
        for stem, name in stems:
            frame = indices.get(stem)
            if isinstance(frame, int) and not isinstance(frame, bool):
                self.files.append((frame, name))
            elif stem.isdigit():
                self.files.append((int(stem), name))
            else:
                raise ArchiveError(f"{name}: cannot tell which frame '{stem[:60]}' is (its name "
                                   "is not a number and meta.json's frame_indices do not name it)")
        self.files.sort()
        for key in sorted(meta_objects, key=lambda k: int(k) if str(k).isdigit() else 10**9):
            if str(key).isdigit() and 0 < int(key) < VOID:
                info = meta_objects[key] if isinstance(meta_objects[key], dict) else {}
                name, category = info.get("name"), info.get("category")
                self.declare(int(key), name if isinstance(name, str) else None,
                             category if isinstance(category, str) else None)

    def _check_pixels(self, name: str, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise ArchiveError(
                f"{name} is {width}x{height} ({width * height} pixels), more than the limit "
                f"of {self.max_pixels} pixels (IMPORT_MAX_PIXELS)"
            )

    def masks(self):
        h, w = self.video.height, self.video.width
        for frame, name in self.files:
            self.check_frame(frame, name)
            try:
                data = self.archive.read(name)
                if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
                    self._check_pixels(name, *struct.unpack(">II", data[16:24]))
                img = Image.open(io.BytesIO(data))
                size = img.size  # from the header: nothing is decoded yet
                self._check_pixels(name, *size)
                if size != (w, h):
                    raise ArchiveError(
                        f"{name} is {size[0]}x{size[1]} but the video is {w}x{h}"
                    )
                if img.mode not in ("P", "L"):
                    raise ArchiveError(f"{name} is not an indexed (palette) PNG but {img.mode}")
                index = np.asarray(img)
            except ArchiveError:
                raise
            except Image.DecompressionBombError:
                raise ArchiveError(f"{name} has more than the limit of {self.max_pixels} pixels "
                                   "(IMPORT_MAX_PIXELS)") from None
            except Exception as e:  # PIL raises many kinds on a broken file
                raise ArchiveError(f"{name} is not a readable PNG: {e}") from None
            for n in np.unique(index):
                n = int(n)
                if n == 0 or n == VOID:
                    continue
                if n not in self.tracks:
                    self.declare(n, None, None)
                yield frame, n, M.encode(index == n)
