"""SA-V style: one JSON per video (<video>_manual.json) with the video's metadata and the
masklets as one list per annotated frame, each holding one compressed RLE per masklet
(an empty RLE where the masklet is absent), plus SA-V's per-masklet statistics."""
from __future__ import annotations

import json

from webapp.annotations.models import FrameMask, MaskSource
from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader, to_rle

SAV_STRIDE = 4  # SA-V annotates every 4th frame of its 24 fps videos (6 fps)


def _dump(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _bucket(size_abs: float) -> str:
    # The COCO size buckets SA-V uses.
    if size_abs < 32 * 32:
        return "small"
    if size_abs < 96 * 96:
        return "medium"
    return "large"


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    weight = 0.5 if plan.include_frames else 1.0
    for vp in plan.videos:
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, n=vp.name: f"JPEGImages/{n}/{f:05d}.jpg", progress, 0.5)
        n = len(vp.objects)
        empty = M.empty_rle(vp.height, vp.width)
        area_sum = [0] * n
        visible = [0] * n
        first_seen: list[int | None] = [None] * n
        changes = [0] * n
        last_vis = [False] * n
        edited = _edited_frames(vp, plan.stride)
        v = vp.video
        with zw.open(f"{vp.name}_manual.json") as out:
            out.write(b'{"video_id":' + _dump(vp.name))
            meta = {
                "video_duration": (v.num_frames / v.fps) if v.fps else None,
                "video_frame_count": v.num_frames,
                "video_height": v.height,
                "video_width": v.width,
                "video_resolution": v.height * v.width,
                "video_fps": v.fps,
                "frame_stride": plan.stride,
                "annotated_frames": vp.frames,
            }
            for k, val in meta.items():
                out.write(b',"' + k.encode() + b'":' + _dump(val))
            out.write(b',"masklet":[')
            for ai, (f, rles) in enumerate(plan.frame_masks(vp)):
                row = []
                for oi, obj in enumerate(vp.objects):
                    rle = rles.get(obj.number)
                    a = M.area(rle) if rle else 0
                    vis = a > 0
                    row.append(rle if vis else empty)
                    if vis:
                        area_sum[oi] += a
                        visible[oi] += 1
                        if first_seen[oi] is None:
                            first_seen[oi] = ai
                    if ai and vis != last_vis[oi]:
                        changes[oi] += 1
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
                "masklet_size_bucket": [_bucket(s) for s in size_abs],
                "masklet_visibility_changes": changes,
                "masklet_first_appeared_frame": first_seen,
                "masklet_frame_count": visible,
                "masklet_edited_frame_count": [edited.get(o.pk, 0) for o in vp.objects],
                "masklet_type": ["manual"] * n,
                "masklet_num": n,
            }
            for k, val in stats.items():
                out.write(b',"' + k.encode() + b'":' + _dump(val))
            out.write(b"}")
    zw.write_text("README.md", readme(plan, "sav", """
<video>_manual.json: SA-V style. masklet[i][j] is the compressed RLE of masklet j on the
i-th annotated frame (an empty RLE where it is absent); annotated_frames[i] is that
frame's video index (every frame, or every `stride`-th). masklet_first_appeared_frame is
an index into masklet, as in SA-V; masklet_edited_frame_count counts frames corrected by
hand (prompted) rather than propagated. masklet_name and masklet_category are additions.
JPEGImages/<video>/<frame:05d>.jpg: the frames (when included)."""))


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
        h, w = doc.get("video_height"), doc.get("video_width")
        if h is not None and w is not None and (int(h), int(w)) != (video.height, video.width):
            raise ArchiveError(f"{self.where}: video is {int(w)}x{int(h)} but this video is "
                               f"{video.width}x{video.height}")
        self.rows = doc.get("masklet") or []
        if not isinstance(self.rows, list):
            raise ArchiveError(f"{self.where}: 'masklet' must be a list of per-frame lists")
        frames = doc.get("annotated_frames")
        if frames is None:
            stride = doc.get("frame_stride")
            if stride is None:
                # SA-V itself: every 4th frame, unless every frame is annotated.
                stride = 1 if len(self.rows) == video.num_frames else SAV_STRIDE
            frames = [i * int(stride) for i in range(len(self.rows))]
        if len(frames) != len(self.rows):
            raise ArchiveError(f"{self.where}: {len(frames)} annotated frames for "
                               f"{len(self.rows)} masklet rows")
        self.frames = [int(f) for f in frames]
        ids = doc.get("masklet_id")
        count = doc.get("masklet_num") or (len(self.rows[0]) if self.rows else 0)
        ids = ids if isinstance(ids, list) else list(range(int(count)))
        names_ = doc.get("masklet_name") or [None] * len(ids)
        cats = doc.get("masklet_category") or [None] * len(ids)
        self.ids = ids
        for i, key in enumerate(ids):
            self.declare(key, names_[i] if i < len(names_) else None, cats[i] if i < len(cats) else None)

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
