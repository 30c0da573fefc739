"""Import of CVAT's own XML (CVAT for video 1.1, and the shapes of CVAT for images 1.1):
every <track> becomes a masklet (its polygons and masks on each frame where it is not
`outside`), every standalone shape of an <image> its own masklet. Polygons are filled,
masks decoded from CVAT's RLE (run lengths over the mask's box, row by row, starting
with background); boxes, polylines, points and other shapes carry no mask and are skipped.

The XML is untrusted: a document with a DOCTYPE (entities) is refused before parsing,
and its size is capped like a JSON document (IMPORT_MAX_JSON_MB)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.reader import Reader

MASK_SHAPES = ("polygon", "mask")
MAX_POINTS = 100_000


def _float(el, key: str, where: str) -> float:
    try:
        v = float(el.get(key, ""))
    except ValueError:
        raise ArchiveError(f"{where}: '{key}' must be a number") from None
    if not np.isfinite(v):
        raise ArchiveError(f"{where}: '{key}' must be a finite number")
    return v


def _int(el, key: str, where: str) -> int:
    try:
        return int(el.get(key, ""))
    except ValueError:
        raise ArchiveError(f"{where}: '{key}' must be an integer") from None


def polygon_mask(points: str, h: int, w: int, where: str) -> np.ndarray:
    try:
        xy = np.array([[float(v) for v in p.split(",")] for p in points.split(";") if p],
                      dtype=np.float64)
    except ValueError:
        raise ArchiveError(f"{where}: points must be 'x1,y1;x2,y2;...'") from None
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) < 3 or len(xy) > MAX_POINTS:
        raise ArchiveError(f"{where}: a polygon needs 3 or more x,y points")
    if not np.isfinite(xy).all():
        raise ArchiveError(f"{where}: points must be finite numbers")
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(np.clip(xy, -1, max(h, w) + 1)).astype(np.int32)], 1)
    return mask


def rle_mask(el, h: int, w: int, where: str) -> np.ndarray:
    """CVAT's mask RLE: run lengths over the box [left, top, width, height], row-major,
    alternating background and foreground, background first."""
    left, top = _int(el, "left", where), _int(el, "top", where)
    bw, bh = _int(el, "width", where), _int(el, "height", where)
    if bw <= 0 or bh <= 0 or left < 0 or top < 0 or left + bw > w or top + bh > h:
        raise ArchiveError(f"{where}: the mask's box {left},{top} {bw}x{bh} is outside the "
                           f"{w}x{h} video")
    try:
        runs = [int(v) for v in (el.get("rle") or "").split(",") if v.strip()]
    except ValueError:
        raise ArchiveError(f"{where}: rle must be comma-separated integers") from None
    if any(r < 0 for r in runs) or sum(runs) != bw * bh:
        raise ArchiveError(f"{where}: rle runs must add up to the box's {bw * bh} pixels")
    flat = np.repeat(np.arange(len(runs)) % 2, runs).astype(np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[top:top + bh, left:left + bw] = flat.reshape(bh, bw)
    return mask


class CvatReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        names = [n for n in archive.names() if n.lower().endswith(".xml")]
        if not names:
            raise ArchiveError("no CVAT XML (annotations.xml) found in the upload")
        name = next((n for n in names if n.rsplit("/", 1)[-1] == "annotations.xml"), names[0])
        self.where = name
        data = archive.read(name, archive.max_json)
        if re.search(rb"<!(DOCTYPE|ENTITY)", data[:1 << 16], re.IGNORECASE) or b"<!ENTITY" in data:
            raise ArchiveError(f"{name}: a DOCTYPE or entity declaration is not accepted")
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise ArchiveError(f"{name}: not well-formed XML ({e})") from None
        del data
        if root.tag != "annotations":
            raise ArchiveError(f"{name}: the root element must be <annotations> (CVAT 1.1)")
        h, w = video.height, video.width
        size = root.find("meta/task/original_size")
        if size is None:
            size = root.find("meta/job/original_size")
        if size is not None:
            try:
                sw = int(size.findtext("width"))
                sh = int(size.findtext("height"))
            except (TypeError, ValueError):
                sw = sh = None
            if sw is not None and (sw, sh) != (w, h):
                raise ArchiveError(f"{name}: the task is {sw}x{sh} but the video is {w}x{h}")
        self.shapes: list[tuple[int, object, object]] = []  # (frame, key, element)
        for track in root.iter("track"):
            key = ("track", track.get("id") or str(len(self.tracks)))
            label = track.get("label")
            shown = False
            for el in track:
                if el.tag in MASK_SHAPES and el.get("outside", "0") != "1":
                    where = f"{name}: track {key[1]} {el.tag}"
                    self.shapes.append((_int(el, "frame", where), key, el))
                    shown = True
            if shown:
                self.declare(key, f"{label or 'track'} {key[1]}", label)
        for image in root.iter("image"):
            where = f"{name}: image {image.get('id')}"
            frame = _int(image, "id", where)
            iw, ih = image.get("width"), image.get("height")
            if iw and ih and (iw, ih) != (str(w), str(h)):
                raise ArchiveError(f"{where} is {iw}x{ih} but the video is {w}x{h}")
            for k, el in enumerate(image):
                if el.tag in MASK_SHAPES:
                    key = ("shape", f"{frame}.{k}")
                    label = el.get("label")
                    self.declare(key, f"{label or 'shape'} {frame}.{k}", label)
                    self.shapes.append((frame, key, el))
        self.shapes.sort(key=lambda t: t[0])

    def masks(self):
        h, w = self.video.height, self.video.width
        for frame, key, el in self.shapes:
            where = f"{self.where}: {key[0]} {key[1]} frame {frame}"
            self.check_frame(frame, where)
            if el.tag == "polygon":
                m = polygon_mask(el.get("points") or "", h, w, where)
            else:
                m = rle_mask(el, h, w, where)
            if m.any():
                yield frame, key, M.encode(m)
