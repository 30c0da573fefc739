"""SA-V style: one JSON per video (<video>_manual.json) with the video's metadata and the
masklets as one list per annotated frame, each holding one compressed RLE per masklet
(an empty RLE where the masklet is absent), plus SA-V's per-masklet statistics."""
from __future__ import annotations

import json

from webapp.annotations.models import FrameMask, MaskSource
from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportPlan, Progress, readme
from webapp.exports.formats.reader import Reader, as_int, to_rle, track_key, want

SAV_STRIDE = 4  # SA-V annotates every 4th frame of its 24 fps videos (6 fps)
MAX_MASKLETS = 100_000  # a declared masklet_num beyond this is refused, not allocated


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
