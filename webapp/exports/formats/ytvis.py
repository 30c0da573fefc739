"""YouTube-VIS: one JSON with videos (file_names per exported frame), categories, and one
annotation per masklet holding per-frame compressed RLE (or null), areas and bboxes."""
from __future__ import annotations

import json

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportPlan, Progress, readme
from webapp.exports.formats.reader import (Reader, as_int, frame_from_name, to_rle, track_key,
                                           want, want_list_of)

JSON_NAME = "annotations.json"


def _dump(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    frame_weight = 0.5 if plan.include_frames else 0.0
    if plan.include_frames:
        for vp in plan.videos:
            plan.copy_frames(zw, vp, lambda f, n=vp.name, s=vp.video.frame_stem:
                             f"JPEGImages/{n}/{s(f)}.jpg", progress, 0.5)
    with zw.open(JSON_NAME) as out:
        out.write(b'{"info":')
        out.write(_dump({"description": f"Maskflow export of {plan.project.name}",
                         "frame_stride": plan.stride}))
        out.write(b',"licenses":[],"categories":')
        out.write(_dump([{"id": i + 1, "name": c, "supercategory": "object"}
                         for i, c in enumerate(plan.categories)]))
        out.write(b',"videos":[')
        for i, vp in enumerate(plan.videos):
            out.write(b"," if i else b"")
            out.write(_dump({
                "id": vp.video.pk, "name": vp.name, "width": vp.width, "height": vp.height,
                "length": len(vp.frames), "fps": vp.video.fps,
                "frame_indices": vp.frames,
                "file_names": [f"{vp.name}/{vp.video.frame_stem(f)}.jpg" for f in vp.frames],
            }))
        out.write(b'],"annotations":[')
        first = True
        for vp in plan.videos:
            per_obj = (1.0 - frame_weight) * len(vp.frames) / max(1, len(vp.objects))
            position = {f: i for i, f in enumerate(vp.frames)}
            for obj in vp.objects:
                segs: list = [None] * len(vp.frames)
                for f, rle in _object_masks(plan, vp, obj.pk):
                    if f in position and M.area(rle) > 0:
                        segs[position[f]] = rle
                areas = [M.area(s) if s else None for s in segs]
                bboxes = [M.bbox(s) if s else None for s in segs]
                out.write(b"" if first else b",")
                first = False
                out.write(_dump({
                    "id": obj.pk, "video_id": vp.video.pk, "category_id": obj.category_id,
                    "name": obj.name, "iscrowd": 0, "width": vp.width, "height": vp.height,
                    "length": len(vp.frames), "segmentations": segs, "areas": areas,
                    "bboxes": bboxes,
                }))
                progress(per_obj)
            if not vp.objects:
                progress((1.0 - frame_weight) * len(vp.frames))
        out.write(b"]}")
    zw.write_text("README.md", readme(plan, "ytvis", f"""
{JSON_NAME}: YouTube-VIS. videos[].file_names are relative to JPEGImages/; one annotation
per masklet with per-frame compressed RLE (null where the masklet is absent), areas and
bboxes ([x, y, w, h]) aligned with file_names. videos[].frame_indices gives the video
frame index of each entry. Frame files are named after the uploaded pictures for image
uploads (when those names are unique), else 00000-style frame indices.
Checked with the YouTube-VIS API's rules (youtubevos/cocoapi ytvos.py: videos,
annotations with segmentations per file_name, annToMask through pycocotools)."""))


def _object_masks(plan: ExportPlan, vp, pk: int):
    from django.db.models.functions import Mod

    from webapp.annotations.models import FrameMask

    qs = FrameMask.objects.filter(object_id=pk)
    if plan.stride > 1:
        qs = qs.annotate(_m=Mod("frame", plan.stride)).filter(_m=0)
    return qs.order_by("frame").values_list("frame", "rle").iterator(chunk_size=2000)


def find_json(archive: SafeArchive, key: str, preferred: tuple[str, ...]) -> tuple[str, dict]:
    """The JSON document of the archive that has top-level `key`."""
    names = [n for n in archive.names() if n.lower().endswith(".json")]
    if archive.zip is None:
        names = archive.names()
    names.sort(key=lambda n: (n.rsplit("/", 1)[-1] not in preferred, n))
    for name in names:
        if name.rsplit("/", 1)[-1] == "meta.json" and archive.zip is not None:
            continue
        doc = archive.read_json(name)
        if isinstance(doc, dict) and key in doc:
            return name, doc
    raise ArchiveError(f"no JSON document with '{key}' found in the upload")


class YtvisReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        name, doc = find_json(archive, "videos", (JSON_NAME,))
        anns = want_list_of(doc.get("annotations"), dict, f"{name}: annotations")
        if anns and "segmentations" not in anns[0]:
            raise ArchiveError(f"{name} has per-frame 'segmentation' annotations: use format coco")
        all_videos = want_list_of(doc["videos"], dict, f"{name}: videos")
        if not all_videos:
            raise ArchiveError(f"{name}: videos is empty")
        for v in all_videos:
            want_list_of(v.get("file_names"), str, f"{name}: video {v.get('id')!r:.40} file_names")
        videos = {str(v.get("name") or _video_dir(v) or v.get("id")): v for v in all_videos}
        chosen = videos[self.choose(list(videos), export_name, video.name)]
        self.where = name
        vwhere = f"{name}: video {chosen.get('id')!r:.40}"
        h = as_int(chosen.get("height"), f"{vwhere} height", 0)
        w = as_int(chosen.get("width"), f"{vwhere} width", 0)
        if (h, w) != (video.height, video.width):
            raise ArchiveError(
                f"{name}: video is {w}x{h} but this video is {video.width}x{video.height}"
            )
        files = chosen.get("file_names") or []
        indices = want(chosen.get("frame_indices"), list, f"{vwhere} frame_indices", optional=True)
        self.frames = [as_int(f, f"{vwhere} frame_indices[{i}]") for i, f in enumerate(indices)] \
            if indices else [frame_from_name(fn, i) for i, fn in enumerate(files)]
        cats = {c.get("id"): c.get("name")
                for c in want_list_of(doc.get("categories"), dict, f"{name}: categories")}
        self.anns = [a for a in anns if a.get("video_id") == chosen.get("id")]
        for a in self.anns:
            where = f"{name}: annotation {a.get('id')!r:.40}"
            segs = want(a.get("segmentations"), list, f"{where} segmentations", optional=True) or []
            if len(segs) != len(self.frames):
                raise ArchiveError(
                    f"{name}: annotation {a.get('id')} has {len(segs)} "
                    f"segmentations for {len(self.frames)} frames"
                )
            category = a.get("category_id")
            category = cats.get(category) if isinstance(category, (int, str)) else None
            label = a.get("name")
            self.declare(track_key(a.get("id"), f"{where} id"),
                         label if isinstance(label, str) else None,
                         category if isinstance(category, str) else None)

    def masks(self):
        h, w = self.video.height, self.video.width
        for i, frame in enumerate(self.frames):
            self.check_frame(frame, self.where)
            for a in self.anns:
                where = f"{self.where}: annotation {a.get('id')} frame {frame}"
                rle = to_rle(a["segmentations"][i], h, w, where)
                if rle is not None:
                    self.check_size(rle, where)
                    yield frame, a.get("id"), rle


def _video_dir(v: dict) -> str | None:
    files = v.get("file_names") or []
    return files[0].split("/")[0] if files and "/" in files[0] else None
