"""Import of CVAT's own XML (CVAT for video 1.1, and the shapes of CVAT for images 1.1):
every <track> becomes a masklet (its polygons and masks on each frame where it is not
`outside`; the tracks of one group_id and label are one masklet, as Maskflow's CVAT
export writes a masklet's parts), every standalone shape of an <image> its own masklet.
Polygons are filled, masks decoded from CVAT's RLE (run lengths over the mask's box, row by row, starting
with background); boxes, polylines, points and other shapes carry no mask and are skipped.

The XML is untrusted: a DOCTYPE or entity declaration anywhere stops the parse (expat
handlers, no entity is ever expanded or fetched), and its size is capped like a JSON document (IMPORT_MAX_JSON_MB)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

import cv2
import numpy as np

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import readme
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


def parse_untrusted(data: bytes, name: str) -> ET.Element:
    """An element tree from untrusted XML, refusing any DOCTYPE or entity declaration
    wherever it stands (as defusedxml's forbid_dtd/forbid_entities do): expat's own
    handlers stop the parse before an entity can expand or an external one load."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse(*_):
        raise ArchiveError(f"{name}: a DOCTYPE or entity declaration is not accepted")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise ArchiveError(f"{name}: not well-formed XML ({e})") from None
    return builder.close()


class CvatReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        names = [n for n in archive.names() if n.lower().endswith(".xml")]
        if not names:
            raise ArchiveError("no CVAT XML (annotations.xml) found in the upload")
        name = next((n for n in names if n.rsplit("/", 1)[-1] == "annotations.xml"), names[0])
        self.where = name
        root = parse_untrusted(archive.read(name, archive.max_json), name)
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
        skipped: dict[str, int] = {}  # shapes that carry no mask, by kind
        for track in root.iter("track"):
            key = ("track", track.get("id") or str(len(self.tracks)))
            label = track.get("label")
            shown = f"{label or 'track'} {key[1]}"
            if (track.get("group_id") or "0") != "0":  # a CVAT group of one label: one masklet
                key = ("group", f"{track.get('group_id')} {label or ''}")
                shown = f"{label or 'group'} {track.get('group_id')}"
            visible = False
            kinds = {el.tag for el in track} - set(MASK_SHAPES)
            if kinds:
                kind = "/".join(sorted(kinds)) + " track"
                skipped[kind] = skipped.get(kind, 0) + 1
            for el in track:
                if el.tag in MASK_SHAPES and el.get("outside", "0") != "1":
                    where = f"{name}: track {key[1]} {el.tag}"
                    self.shapes.append((_int(el, "frame", where), key, el))
                    visible = True
            if visible:
                self.declare(key, shown, label)
        for image in root.iter("image"):
            where = f"{name}: image {image.get('id')}"
            frame = _int(image, "id", where)
            iw, ih = image.get("width"), image.get("height")
            if iw and ih and (iw, ih) != (str(w), str(h)):
                raise ArchiveError(f"{where} is {iw}x{ih} but the video is {w}x{h}")
            for k, el in enumerate(image):
                if el.tag not in MASK_SHAPES and el.tag != "tag":
                    skipped[el.tag] = skipped.get(el.tag, 0) + 1
                if el.tag in MASK_SHAPES:
                    key = ("shape", f"{frame}.{k}")
                    label = el.get("label")
                    self.declare(key, f"{label or 'shape'} {frame}.{k}", label)
                    self.shapes.append((frame, key, el))
        self.shapes.sort(key=lambda t: t[0])
        if skipped:
            self.note("shapes without a mask were skipped (only polygons and masks import): "
                      + ", ".join(f"{n} {kind}{'s' if n > 1 and not kind.endswith('s') else ''}" for kind, n in sorted(skipped.items())))

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


# --- export: CVAT for video 1.1 ------------------------------------------------------
# CVAT keeps identity only for tracks of polygons (its XML loader turns a track of masks
# into one shape, its first), so each masklet is written as polygon tracks: one polygon per
# frame and part (the outer contour of each connected part, largest first), all tracks of
# a masklet sharing its group_id. Every written shape is a keyframe; a track gets an
# `outside` keyframe on the first exported frame where its part is gone.

def parts(mask: np.ndarray) -> list[np.ndarray]:
    """The outer contours of a mask's connected parts, largest first, as (N, 2) x,y
    vertices (N >= 3; a part one pixel thin becomes its box's corners)."""
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        xy = c.reshape(-1, 2)
        if len(xy) < 3:
            (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
            xy = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        area = int(cv2.fillPoly(np.zeros(mask.shape, np.uint8), [xy.astype(np.int32)], 1).sum())
        out.append((area, xy))
    out.sort(key=lambda t: -t[0])
    return [xy for _, xy in out]


def _points(xy: np.ndarray) -> str:
    return ";".join(f"{x:.2f},{y:.2f}" for x, y in xy)


def _polygon(frame: int, points: str, outside: bool) -> str:
    return (f'    <polygon frame="{frame}" keyframe="1" outside="{int(outside)}" occluded="0" '
            f'points="{points}" z_order="0"/>\n')


def _meta(plan, vp) -> str:
    labels = "".join(f"<label><name>{escape(c)}</name><type>polygon</type><attributes/>"
                     f"</label>" for c in plan.categories)
    return (
        "  <meta>\n    <task>\n"
        f"      <name>{escape(vp.video.name)}</name><size>{vp.video.num_frames}</size>"
        f"<mode>interpolation</mode><overlap>0</overlap><start_frame>0</start_frame>"
        f"<stop_frame>{max(0, vp.video.num_frames - 1)}</stop_frame><frame_filter/>\n"
        f"      <labels>{labels}</labels>\n"
        f"      <original_size><width>{vp.width}</width><height>{vp.height}</height>"
        "</original_size>\n    </task>\n  </meta>\n"
    )


def write_video(plan, vp, out, progress) -> None:
    shapes: dict[tuple[int, int], list[str]] = {}  # (object number, part) -> <polygon>s
    last: dict[tuple[int, int], str] = {}  # visible at the previous exported frame: points
    for f, masks in plan.frame_masks(vp):
        seen = set()
        for number, rle in masks.items():
            for k, xy in enumerate(parts(M.decode(rle))):
                key = (number, k)
                last[key] = _points(xy)
                shapes.setdefault(key, []).append(_polygon(f, last[key], False))
                seen.add(key)
        for key in [k for k in last if k not in seen]:
            shapes[key].append(_polygon(f, last.pop(key), True))
        progress(0.5 if plan.include_frames else 1.0)
    out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n'
              b"  <version>1.1</version>\n")
    out.write(_meta(plan, vp).encode())
    info = {o.number: o for o in vp.objects}
    for track_id, key in enumerate(sorted(shapes)):
        label = quoteattr(info[key[0]].category)
        out.write(f'  <track id="{track_id}" label={label} source="semi-auto" '
                  f'group_id="{key[0]}">\n'.encode())
        out.write("".join(shapes[key]).encode())
        out.write(b"  </track>\n")
    out.write(b"</annotations>\n")


def write(plan, zw, progress) -> None:
    single = len(plan.videos) == 1
    for vp in plan.videos:
        base = "" if single else f"{vp.name}/"
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, b=base: f"{b}images/frame_{f:06d}.jpg",
                             progress, 0.5)
        with zw.open(f"{base}annotations.xml") as out:
            write_video(plan, vp, out, progress)
    zw.write_text("README.md", readme(plan, "cvat", f"""
{'annotations.xml' if single else '<video>/annotations.xml'}: CVAT for video 1.1 (XML).
Upload it to a CVAT task made from the same video (Actions > Upload annotations >
"CVAT 1.1"); frame numbers are the video's own 0-based indices. Each masklet is one
polygon track per connected part (the outer contour; holes are filled), the tracks of
one masklet share its group_id (Maskflow's import merges them back). Every written frame
is a keyframe; an `outside` keyframe ends a part's visibility. CVAT keeps track identity
for polygon tracks only (it turns a track of masks into a single shape), hence polygons.
{'Frames: images/frame_<index>.jpg.' if plan.include_frames else ''}
Checked with CVAT's XML rules (cvat/apps/dataset_manager/formats/cvat.py: tracks with
keyframe/outside polygons) and Datumaro's `cvat` importer; Maskflow imports it back."""))
