"""SA-V style: one JSON per video (<video>_manual.json) with the video's metadata and the
masklets as one list per annotated frame, each holding one compressed RLE per masklet
(an empty RLE where the masklet is absent), plus SA-V's per-masklet statistics."""
from __future__ import annotations

import json

from webapp.annotations.models import FrameMask, MaskSource
from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportError, ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader, as_int, to_rle, track_key, want

SAV_STRIDE = 4  # SA-V annotates every 4th frame of its 24 fps videos (6 fps)
SAV_FPS = 24.0  # the rate of every SA-V video
MAX_MASKLETS = 100_000  # a declared masklet_num beyond this is refused, not allocated


def default_stride(video) -> int:
    """SA-V's annotation stride where the video has SA-V's rate: every 4th frame at 24 fps
    (23.976 included). SA-V defines no rule for other rates, so there the export keeps every
    frame (the public contract's default) and its README names the `annot_sample_rate` to
    pass; an explicit `stride` always wins."""
    fps = float(video.fps or 0)
    if abs(fps - SAV_FPS) <= 0.5:
        return SAV_STRIDE
    return 1


def _dump(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _bucket(size_abs: float, visible: int) -> str | None:
    # The COCO size buckets SA-V uses; a masklet never visible has no size at all.
    if not visible:
        return None
    if size_abs < 32 * 32:
        return "small"
    if size_abs < 96 * 96:
        return "medium"
    return "large"


def _write_mp4(zw, vp, name: str) -> None:
    """All frames of the video, at its frame rate, as <video>.mp4: the SA-V reader decodes
    the mp4 and keeps every `annot_sample_rate`-th frame to align with masklet rows."""
    import tempfile

    import cv2
    import numpy as np
    from django.core.files.storage import default_storage

    v = vp.video
    with tempfile.TemporaryDirectory(prefix="maskflow-sav-") as tmp:
        path = f"{tmp}/{name}"
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), float(v.fps or 24.0),
                                 (v.width, v.height))
        if not writer.isOpened():
            raise ExportError("this server cannot encode mp4 (OpenCV without an mp4 writer); "
                              "export with include_frames false")
        try:
            for f in range(v.num_frames):
                try:
                    with default_storage.open(v.frame_path(f), "rb") as fh:
                        data = np.frombuffer(fh.read(), np.uint8)
                except FileNotFoundError:
                    raise ExportError(f"frame {f} of video {v.pk} is missing in storage") from None
                img = cv2.imdecode(data, cv2.IMREAD_COLOR)
                if img is None or img.shape[:2] != (v.height, v.width):
                    raise ExportError(f"frame {f} of video {v.pk} is unreadable")
                writer.write(img)
        finally:
            writer.release()
        with open(path, "rb") as src, zw.open(name) as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    weight = 0.5 if plan.include_frames else 1.0
    for vp in plan.videos:
        if plan.include_frames:
            _write_mp4(zw, vp, f"{vp.name}.mp4")
            progress(0.5 * len(vp.frames))
        n = len(vp.objects)
        empty = M.empty_rle(vp.height, vp.width)
        area_sum = [0] * n
        visible = [0] * n
        first_seen: list[int | None] = [None] * n
        changes = [0] * n
        last_vis = [False] * n
        edited = _edited_frames(vp, vp.stride)
        v = vp.video
        rows = 0
        with zw.open(f"{vp.name}_manual.json") as out:
            out.write(b'{"video_id":' + _dump(vp.name))
            fps = float(v.fps or 0)
            # Numeric video fields are floats, as in the SA-V files.
            meta = {
                "video_duration": (v.num_frames / fps) if fps else None,
                "video_frame_count": float(v.num_frames),
                "video_height": float(v.height),
                "video_width": float(v.width),
                "video_resolution": float(v.height * v.width),
                "video_environment": None,  # SA-V: Indoor/Outdoor; not known here
                "video_split": "train",
                "video_fps": fps or None,
                "frame_stride": vp.stride,
                "annotated_frames": vp.frames,
            }
            for k, val in meta.items():
                out.write(b',"' + k.encode() + b'":' + _dump(val))
            out.write(b',"masklet":[')
            for ai, (f, rles) in enumerate(plan.frame_masks(vp)):
                rows += 1
                row = []
                for oi, obj in enumerate(vp.objects):
                    rle = rles.get(obj.number)
                    a = M.area(rle) if rle else 0
                    vis = a > 0
                    row.append(rle if vis else empty)
                    if vis:
                        area_sum[oi] += a
                        visible[oi] += 1
                    # Changes count after the masklet first appears, as in SA-V.
                    if first_seen[oi] is not None and vis != last_vis[oi]:
                        changes[oi] += 1
                    if vis and first_seen[oi] is None:
                        first_seen[oi] = ai
                    last_vis[oi] = vis
                out.write((b"," if ai else b"") + _dump(row))
                progress(weight)
            out.write(b"]")
            size_abs = [area_sum[i] / visible[i] if visible[i] else 0.0 for i in range(n)]
            res = max(1, v.height * v.width)
            stats = {
                "masklet_id": list(range(n)),
                "masklet_name": [o.name for o in vp.objects],
                "masklet_category": [o.category for o in vp.objects],
                "masklet_size_rel": [s / res for s in size_abs],
                "masklet_size_abs": size_abs,
                "masklet_size_bucket": [_bucket(s, visible[i]) for i, s in enumerate(size_abs)],
                "masklet_visibility_changes": changes,
                "masklet_first_appeared_frame": first_seen,
                # SA-V: the number of annotated rows, the same for every masklet.
                "masklet_frame_count": [rows] * n,
                "masklet_edited_frame_count": [edited.get(o.pk, 0) for o in vp.objects],
                "masklet_type": ["manual"] * n,
                "masklet_stability_score": [None] * n,  # SA-V's auto masklets only
                "masklet_num": n,
                "masklet_visible_frame_count": visible,  # an addition: rows where visible
            }
            for k, val in stats.items():
                out.write(b',"' + k.encode() + b'":' + _dump(val))
            out.write(b"}")
    zw.write_text("README.md", readme(plan, "sav", """
<video>_manual.json: SA-V. masklet[i][j] is the compressed RLE of masklet j on the i-th
annotated frame (an empty RLE where it is absent); annotated_frames[i] is that frame's
video index, i * frame_stride. The default stride follows SA-V: every 4th frame at 24 fps
(SA-V's 6 annotated frames a second); at other rates every frame, unless the export named
a stride.
masklet_frame_count is the number of annotated rows (as in SA-V);
masklet_visible_frame_count (an addition) the rows where the masklet is visible;
masklet_visibility_changes counts changes after the first appearance;
masklet_first_appeared_frame is an index into masklet; masklet_size_bucket is null for
a masklet never visible; masklet_edited_frame_count counts frames corrected by hand
(prompted) rather than propagated; masklet_name and masklet_category are additions.
video_environment is null (not recorded); video_split is "train".
<video>.mp4 (when frames are included): every frame at the video's frame rate, as SA-V
ships them. Checked against the sam2 sav_dataset reader's rules (sav_utils.SAVDataset:
<video>.mp4 + <video>_manual.json in one folder, decoded frames[::annot_sample_rate]
aligned with masklet rows); pass annot_sample_rate=frame_stride when it is not 4."""))


def _edited_frames(vp, stride: int) -> dict[int, int]:
    from django.db.models import Count
    from django.db.models.functions import Mod

    qs = FrameMask.objects.filter(object_id__in=list(vp.by_pk), source=MaskSource.PROMPT)
    if stride > 1:
        qs = qs.annotate(_m=Mod("frame", stride)).filter(_m=0)
    return dict(qs.values("object_id").annotate(n=Count("id")).values_list("object_id", "n"))


class SavReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        docs = {}
        names = [n for n in archive.names() if n.lower().endswith(".json")] or archive.names()
        for name in names:
            doc = archive.read_json(name)
            if isinstance(doc, dict) and "masklet" in doc:
                docs[str(doc.get("video_id") or name)] = (name, doc)
        if not docs:
            raise ArchiveError("no SA-V JSON (with 'masklet') found in the upload")
        self.where, doc = docs[self.choose(list(docs), export_name, video.name)]
        w_ = self.where
        h, w = doc.get("video_height"), doc.get("video_width")
        if h is not None and w is not None:
            h, w = as_int(h, f"{w_}: video_height"), as_int(w, f"{w_}: video_width")
            if (h, w) != (video.height, video.width):
                raise ArchiveError(f"{w_}: video is {w}x{h} but this video is "
                                   f"{video.width}x{video.height}")
        self.rows = doc.get("masklet") or []
        if not isinstance(self.rows, list):
            raise ArchiveError(f"{w_}: 'masklet' must be a list of per-frame lists")
        frames = want(doc.get("annotated_frames"), list, f"{w_}: annotated_frames", optional=True)
        if frames is None:
            stride = doc.get("frame_stride")
            if stride is None:
                # SA-V itself: every 4th frame, unless every frame is annotated.
                stride = 1 if len(self.rows) == video.num_frames else SAV_STRIDE
            stride = as_int(stride, f"{w_}: frame_stride")
            if stride < 1:
                raise ArchiveError(f"{w_}: frame_stride must be at least 1")
            frames = [i * stride for i in range(len(self.rows))]
        if len(frames) != len(self.rows):
            raise ArchiveError(f"{w_}: {len(frames)} annotated frames for "
                               f"{len(self.rows)} masklet rows")
        self.frames = [as_int(f, f"{w_}: annotated_frames[{i}]") for i, f in enumerate(frames)]
        ids = want(doc.get("masklet_id"), list, f"{w_}: masklet_id", optional=True)
        if ids is None:
            first = self.rows[0] if self.rows else []
            count = doc.get("masklet_num")
            count = as_int(count, f"{w_}: masklet_num") if count is not None else (
                len(first) if isinstance(first, list) else 0)
            if not 0 <= count <= MAX_MASKLETS:
                raise ArchiveError(f"{w_}: masklet_num {count} is outside 0..{MAX_MASKLETS}")
            ids = list(range(count))
        ids = [track_key(k, f"{w_}: masklet_id[{i}]") for i, k in enumerate(ids)]
        names_ = want(doc.get("masklet_name"), list, f"{w_}: masklet_name", optional=True) or []
        cats = want(doc.get("masklet_category"), list, f"{w_}: masklet_category",
                    optional=True) or []
        self.ids = ids
        for i, key in enumerate(ids):
            name = names_[i] if i < len(names_) else None
            cat = cats[i] if i < len(cats) else None
            self.declare(key, name if isinstance(name, str) else None,
                         cat if isinstance(cat, str) else None)

    def masks(self):
        h, w = self.video.height, self.video.width
        for frame, row in zip(self.frames, self.rows):
            self.check_frame(frame, self.where)
            if not isinstance(row, list) or len(row) != len(self.ids):
                raise ArchiveError(f"{self.where}: frame {frame} has "
                                   f"{len(row) if isinstance(row, list) else 'no'} masks for "
                                   f"{len(self.ids)} masklets")
            for key, seg in zip(self.ids, row):
                where = f"{self.where}: masklet {key} frame {frame}"
                rle = to_rle(seg, h, w, where)
                if rle is not None:
                    self.check_size(rle, where)
                    if M.area(rle) > 0:
                        yield frame, key, rle
