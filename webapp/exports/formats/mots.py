"""MOTS (KITTI MOTS / MOTSChallenge), both variants the MOTS tools read, in one zip:

- txt: instances_txt/<seq>.txt with one line per object and frame,
  `frame id class_id img_height img_width rle`;
- png: instances/<seq>/<frame:06d>.png, 16-bit, pixel = id (0 = background);

with id = class_id × 1000 + instance, masks disjoint per frame, class_id 1 (car),
2 (pedestrian) or 10 (ignore region) only, sequence names numeric (`0000`, `0001`, ... in
video order) and a seqmap whose 4th field is the sequence's last frame index. These are
the rules of the official MOTS tools (VisualComputingInstitute/mots_tools, mots_common/io.py
and its seqmaps); dataset_meta.json (labels `car`, `pedestrian`, `ignored`) makes Datumaro's
MOTS PNG importer, which maps class c to label c - 1 and 10 to `ignored`, name them right
(JSON, not its labels.txt: the txt variant's readers take every .txt for annotations).

Labels become classes through the export option `class_map {label: 1|2|10}`; labels it
does not name default by name (car/vehicle → 1, pedestrian/person → 2, ignore → 10). With a
`class_map` given, a label that maps to nothing is refused (the caller chose the classes);
without one (a plain `{format: "mots"}`, as the contract has always allowed), such labels are
written as 10 (ignore region) and the README lists them.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile

import numpy as np
from PIL import Image

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import UNLABELED, ExportError, ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader

CLASSES = {1: "car", 2: "pedestrian", 10: "ignored"}
IGNORE = 10
TRACKS_FILE = "maskflow_tracks.json"
MAX_INSTANCES = 1000
_DEFAULTS = {
    1: ("car", "cars", "vehicle", "vehicles", "automobile"),
    2: ("pedestrian", "pedestrians", "person", "persons", "people", "human", "humans"),
    10: ("ignore", "ignored", "dontcare", "don't care", "ignore region"),
}
DEFAULT_CLASS = {name: cls for cls, names in _DEFAULTS.items() for name in names}


def seq_name(i: int) -> str:
    return f"{i:04d}"


def class_ids(plan: ExportPlan) -> dict[str, int]:
    """{category: MOTS class} for every category an exported object has; ExportError
    naming the categories nothing maps."""
    given = {str(k).lower(): v for k, v in (plan.options.get("class_map") or {}).items()}
    used = sorted({o.category for vp in plan.videos for o in vp.objects})
    out, missing = {}, []
    for cat in used:
        cls = given.get(cat.lower(), DEFAULT_CLASS.get(cat.lower()))
        if cls not in CLASSES:
            missing.append(cat)
        else:
            out[cat] = cls
    if missing and "class_map" not in plan.options:
        return {**out, **{cat: IGNORE for cat in missing}}
    if missing:
        raise ExportError(
            "MOTS has classes 1 (car), 2 (pedestrian) and 10 (ignore) only; map "
            + ", ".join(repr(c) for c in missing)
            + ' with the option class_map, e.g. {"class_map": {"'
            + missing[0].replace('"', "'") + '": 2}}'
            + (f" ({UNLABELED!r} stands for masklets without a label)"
               if UNLABELED in missing else "")
        )
    return out


def disjoint(rles: dict[int, dict], h: int, w: int) -> dict[int, dict]:
    """The frame's masks with overlaps resolved by the documented rule (see masks.py)."""
    live = {n: r for n, r in rles.items() if M.area(r) > 0}
    clash = M.overlapping(live) if len(live) > 1 else set()
    if not clash:
        return live  # already disjoint: the stored RLEs go out unchanged
    index = M.index_map({n: live[n] for n in clash}, h, w, fortran=True)
    out = {n: r for n, r in live.items() if n not in clash}
    for n in clash:
        m = index == n
        if m.any():
            out[n] = M.encode(m)
    return out


def _png16(ids: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(ids.astype(np.uint16)).save(buf, format="PNG")
    return buf.getvalue()


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    cls_of = class_ids(plan)
    weight = 1 / 3 if plan.include_frames else 0.5
    seqmap, names = [], []
    side: dict[str, dict] = {}
    for vi, vp in enumerate(plan.videos):
        seq = seq_name(vi)
        names.append(f"  {seq}: {vp.name}")
        side[seq] = {"video": vp.name, "objects": {
            str(cls_of[o.category] * MAX_INSTANCES + o.number): {"name": o.name,
                                                                  "label": o.category}
            for o in vp.objects}}
        if len(vp.objects) >= MAX_INSTANCES:
            raise ExportError(f"video {vp.video.pk} has {len(vp.objects)} masklets; MOTS ids "
                              f"hold at most {MAX_INSTANCES - 1} instances per class")
        ids = {o.number: (cls_of[o.category], cls_of[o.category] * MAX_INSTANCES + o.number)
               for o in vp.objects}
        h, w = vp.height, vp.width
        # The txt is spooled aside: the zip takes one open entry at a time, and the PNGs
        # are written frame by frame.
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as txt:
            for f, rles in plan.frame_masks(vp):
                frame_masks = disjoint(rles, h, w)
                canvas = np.zeros((h, w), dtype=np.uint16)
                for n, rle in sorted(frame_masks.items()):
                    cls, oid = ids[n]
                    txt.write(f"{f} {oid} {cls} {h} {w} {rle['counts']}\n".encode("ascii"))
                    canvas[M.decode(rle).astype(bool)] = oid
                zw.write_bytes(f"instances/{seq}/{f:06d}.png", _png16(canvas))
                progress(2 * weight)
            txt.seek(0)
            with zw.open(f"instances_txt/{seq}.txt") as out:
                shutil.copyfileobj(txt, out, 1 << 20)
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, s=seq: f"images/{s}/{f:06d}.jpg", progress, weight)
        seqmap.append(f"{seq} empty {0:06d} {max(vp.video.num_frames - 1, 0):06d}\n")
    zw.write_text("maskflow.seqmap", "".join(seqmap))
    zw.write_json(TRACKS_FILE, {"sequences": side})
    zw.write_json("dataset_meta.json", {"labels": ["car", "pedestrian", "ignored"]})
    mapping = "\n".join(f"  {c}: {k}" for c, k in sorted(cls_of.items())) or "  (none)"
    unmapped = [] if "class_map" in plan.options else sorted(
        c for c, k in cls_of.items() if k == IGNORE and DEFAULT_CLASS.get(c.lower()) != IGNORE)
    if unmapped:
        mapping += ("\n  (no class_map was given and " + ", ".join(map(repr, unmapped))
                    + " name no MOTS class, so they are written as 10, ignore regions; export "
                    'again with {"class_map": {label: 1|2|10}} to choose)')
    zw.write_text("README.md", readme(plan, "mots", f"""
Sequences (numeric, as the MOTS tools want them; in video order):
{chr(10).join(names) or "  (none)"}
Labels → MOTS classes (1 car, 2 pedestrian, 10 ignore):
{mapping}
instances_txt/<seq>.txt: `frame object_id class_id img_height img_width rle` per line,
frames 0-based video indices, rle the COCO compressed string; object_id = class_id * 1000
+ instance, where instance is the masklet's number (1..N) in its video. Masks are
disjoint per frame.
instances/<seq>/<frame:06d>.png: the same as 16-bit PNGs (pixel = object_id, 0 =
background), one per exported frame; dataset_meta.json names the classes for Datumaro.
images/<seq>/<frame:06d>.jpg: the frames (when included).
maskflow.seqmap: `<seq> empty 000000 <last frame index>` per sequence.
{TRACKS_FILE}: for Maskflow's own import (other tools ignore it): each sequence's video
name and each object id's masklet name and label.
Checked against the MOTS tools' rules (mots_common/io.py: class ids, disjoint masks,
unique ids per frame, 000000.png names, seqmap fields) and Datumaro's MOTS PNG importer.
Evaluate with: python mots_eval/eval.py <results> instances_txt maskflow.seqmap"""))


# --- import -------------------------------------------------------------------------

_TXT = re.compile(r"(?:^|/)([^/]+)\.txt$")
_PNG = re.compile(r"(?:^|/)([^/]+)/(\d+)\.png$")


def _class_label(class_id: int, labels: list[str] | None) -> str | None:
    if labels is not None and class_id != 10 and 1 <= class_id <= len(labels):
        return labels[class_id - 1]
    return CLASSES.get(class_id)


class MotsReader(Reader):
    """MOTS txt (instances_txt/<seq>.txt, or any <seq>.txt of 6-field lines) or, where the
    upload has no txt, MOTS PNG (<seq>/<frame>.png of ids). A track is an object id; its
    category is the class name (car, pedestrian, ignored), or labels.txt's line where
    the upload has one (Datumaro's files)."""

    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        self.archive = archive
        names = archive.names()
        txts = {m.group(1): n for n in names if (m := _TXT.search(n))
                and not n.endswith("labels.txt") and not n.lower().endswith("readme.txt")}
        preferred = {k: v for k, v in txts.items() if "instances_txt/" in v}
        txts = preferred or txts
        labels_name = next((n for n in names if n.rsplit("/", 1)[-1] == "labels.txt"), None)
        self.labels = None
        if labels_name:
            text = archive.read(labels_name, limit=1 << 20).decode("utf-8", "replace")
            self.labels = [ln.strip() for ln in text.splitlines() if ln.strip()]
        self.seqs: dict[str, str] = {}
        self.kind = "txt" if txts else "png"
        if txts:
            self.seqs = txts
        else:
            pngs: dict[str, list[tuple[int, str]]] = {}
            for n in names:
                m = _PNG.search(n)
                if m and not re.search(r"(?:^|/)(?:images|image_\d+)/", n):
                    pngs.setdefault(m.group(1), []).append((int(m.group(2)), n))
            self.seqs = pngs
        if not self.seqs:
            raise ArchiveError("no MOTS sequence found: expected instances_txt/<seq>.txt or "
                               "instances/<seq>/<frame>.png")
        side = {}
        if TRACKS_FILE in names:
            doc = archive.read_json(TRACKS_FILE)
            if isinstance(doc, dict) and isinstance(doc.get("sequences"), dict):
                side = {k: v for k, v in doc["sequences"].items() if isinstance(v, dict)}
        by_video = {str(v.get("video")): k for k, v in side.items() if k in self.seqs}
        if len(self.seqs) > 1 and (export_name in by_video or video.name in by_video):
            self.seq = by_video.get(export_name) or by_video[video.name]
        else:
            self.seq = self.choose(sorted(self.seqs), export_name, video.name, seq_name(0))
        self.where = f"MOTS sequence {self.seq}"
        self.known = {}
        objects = side.get(self.seq, {}).get("objects")
        if isinstance(objects, dict):
            for oid, info in objects.items():
                if isinstance(info, dict) and str(oid).isdigit():
                    self.known[int(oid)] = info

    def _txt_rows(self):
        name = self.seqs[self.seq]
        data = self.archive.read(name, self.archive.max_json).decode("ascii", "replace")
        h, w = self.video.height, self.video.width
        rows = []
        for i, line in enumerate(data.splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            where = f"{name} line {i}"
            if len(fields) != 6:
                raise ArchiveError(f"{where}: expected 6 fields "
                                   "(frame id class_id height width rle), found {len(fields)}")
            try:
                frame, oid, cls, fh, fw = (int(v) for v in fields[:5])
            except ValueError:
                raise ArchiveError(f"{where}: frame, id, class, height and width must be "
                                   "integers") from None
            if (fh, fw) != (h, w):
                raise ArchiveError(f"{where}: mask size {fh}x{fw} does not match the video "
                                   f"({h}x{w}, as height x width)")
            self.check_frame(frame, where)
            rle = {"size": [h, w], "counts": fields[5]}
            try:
                M.area(rle)  # malformed counts are refused here, not in a later export
            except Exception:
                raise ArchiveError(f"{where}: unreadable RLE") from None
            rows.append((frame, oid, cls, rle))
        rows.sort(key=lambda r: (r[0], r[1]))
        return rows

    def _declare(self, oid: int, cls: int) -> None:
        info = self.known.get(oid)
        if info is not None:  # Maskflow's own export: the masklet's name and label
            name, label = info.get("name"), info.get("label")
            self.declare(oid, name if isinstance(name, str) else None,
                         label if isinstance(label, str) else None)
            return
        cat = _class_label(cls, self.labels)
        self.declare(oid, f"{cat or 'object'} {oid}", cat)

    def masks(self):
        if self.kind == "txt":
            rows = self._txt_rows()
            for _, oid, cls, _ in rows:
                self._declare(oid, cls)
            for frame, oid, _, rle in rows:
                yield frame, oid, rle
            return
        h, w = self.video.height, self.video.width
        for frame, name in sorted(self.seqs[self.seq]):
            self.check_frame(frame, name)
            try:
                img = Image.open(io.BytesIO(self.archive.read(name)))
                if img.size != (w, h):
                    raise ArchiveError(f"{name}: image is {img.size[0]}x{img.size[1]} but the "
                                       f"video is {w}x{h}")
                ids = np.asarray(img)
            except ArchiveError:
                raise
            except Exception as e:
                raise ArchiveError(f"{name}: unreadable PNG ({e})") from None
            if ids.ndim != 2:
                raise ArchiveError(f"{name}: a MOTS PNG has one channel of object ids")
            for oid in np.unique(ids):
                oid = int(oid)
                if oid == 0:
                    continue
                self._declare(oid, oid // MAX_INSTANCES)
                yield frame, oid, M.encode(ids == oid)
