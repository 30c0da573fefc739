"""Per-frame COCO instance segmentation: one image per exported frame, one annotation per
(masklet, frame) with compressed RLE, plus video_id, frame_index and track_id.

Layout as CVAT and Datumaro write and read COCO (subset "default", the subset name both
use for data without splits): annotations/instances_default.json, with every image's
file_name relative to images/default/."""
from __future__ import annotations

import json

from webapp.exports import masks as M
from webapp.exports.archive import ArchiveError, SafeArchive
from webapp.exports.formats.base import ExportPlan, Progress, readme
from webapp.exports.formats.reader import (Reader, as_int, frame_from_name, to_rle, track_key,
                                           want_list_of)
from webapp.exports.formats.ytvis import find_json

SUBSET = "default"
JSON_NAME = f"annotations/instances_{SUBSET}.json"
IMAGE_DIR = f"images/{SUBSET}"
OLD_JSON_NAME = "annotations.json"  # what exports before this layout wrote; still imported


def _dump(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    if plan.include_frames:
        for vp in plan.videos:
            plan.copy_frames(zw, vp, lambda f, n=vp.name: f"{IMAGE_DIR}/{n}/{f:05d}.jpg", progress, 0.5)
    weight = 0.5 if plan.include_frames else 1.0
    with zw.open(JSON_NAME) as out:
        out.write(b'{"info":')
        out.write(_dump({"description": f"Maskflow export of {plan.project.name}",
                         "frame_stride": plan.stride}))
        out.write(b',"licenses":[],"categories":')
        out.write(_dump([{"id": i + 1, "name": c, "supercategory": "object"}
                         for i, c in enumerate(plan.categories)]))
        out.write(b',"videos":')
        out.write(_dump([{"id": vp.video.pk, "name": vp.name, "width": vp.width,
                          "height": vp.height, "length": len(vp.frames), "fps": vp.video.fps}
                         for vp in plan.videos]))
        out.write(b',"images":[')
        image_base: dict[int, int] = {}
        next_id = 1
        for vi, vp in enumerate(plan.videos):
            image_base[vp.video.pk] = next_id
            for i, f in enumerate(vp.frames):
                out.write(b"," if next_id > 1 else b"")
                out.write(_dump({"id": next_id, "file_name": f"{vp.name}/{f:05d}.jpg",
                                 "width": vp.width, "height": vp.height,
                                 "video_id": vp.video.pk, "frame_index": f}))
                next_id += 1
        out.write(b'],"annotations":[')
        ann_id = 0
        for vp in plan.videos:
            names = {o.number: o for o in vp.objects}
            for i, (f, rles) in enumerate(plan.frame_masks(vp)):
                for number in sorted(rles):
                    rle = rles[number]
                    a = M.area(rle)
                    if a == 0:
                        continue
                    obj = names[number]
                    out.write(b"," if ann_id else b"")
                    ann_id += 1
                    out.write(_dump({
                        "id": ann_id, "image_id": image_base[vp.video.pk] + i,
                        "category_id": obj.category_id, "segmentation": rle, "area": a,
                        "bbox": M.bbox(rle), "iscrowd": 0, "video_id": vp.video.pk,
                        "frame_index": f, "track_id": obj.pk,
                    }))
                progress(weight)
        out.write(b"]}")
    zw.write_text("README.md", readme(plan, "coco", f"""
{JSON_NAME}: COCO instance segmentation, one image per exported frame (file_name relative
to {IMAGE_DIR}/, where the frames are when included), annotations with compressed RLE, area, bbox [x, y, w, h], iscrowd 0, and
video_id, frame_index and track_id (the masklet's Maskflow id, stable across frames).
Checked with pycocotools (COCO(), annToMask) and laid out as CVAT's and Datumaro's COCO
importers expect (annotations/instances_<subset>.json + images/<subset>/, subset
"{SUBSET}")."""))


class CocoReader(Reader):
    def __init__(self, archive: SafeArchive, video, export_name: str) -> None:
        super().__init__(video)
        name, doc = find_json(archive, "images", (JSON_NAME.rsplit("/", 1)[-1], OLD_JSON_NAME))
        self.where = name
        images = want_list_of(doc.get("images"), dict, f"{name}: images")
        videos = want_list_of(doc.get("videos"), dict, f"{name}: videos")
        if videos:
            by_name = {str(v.get("name") or v.get("id")): v for v in videos}
            chosen = by_name[self.choose(list(by_name), export_name, video.name)]
            images = [im for im in images if im.get("video_id") == chosen.get("id")]
        self.images: dict = {}
        for i, im in enumerate(images):
            where = f"{name}: image {im.get('id')!r:.40}"
            frame = im.get("frame_index", im.get("frame_id"))
            if frame is None:
                frame = frame_from_name(str(im.get("file_name", "")), i)
            h = as_int(im.get("height"), f"{where} height", 0)
            w = as_int(im.get("width"), f"{where} width", 0)
            if (h, w) != (video.height, video.width):
                raise ArchiveError(f"{name}: image {im.get('id')} is {w}x{h} but the video is "
                                   f"{video.width}x{video.height}")
            self.images[track_key(im.get("id"), f"{where} id")] = as_int(frame, f"{where} frame")
        cats = {c.get("id"): c.get("name")
                for c in want_list_of(doc.get("categories"), dict, f"{name}: categories")}
        self.anns = []
        for a in want_list_of(doc.get("annotations"), dict, f"{name}: annotations"):
            image_id = a.get("image_id")
            if not isinstance(image_id, (int, str)) or image_id not in self.images:
                continue
            if "segmentation" not in a:
                raise ArchiveError(f"{name}: annotation {a.get('id')} has no segmentation")
            where = f"{name}: annotation {a.get('id')!r:.40}"
            key = a.get("track_id", a.get("instance_id"))
            key = (("track", track_key(key, f"{where} track_id")) if key is not None
                   else ("ann", track_key(a.get("id"), f"{where} id")))
            category = cats.get(a.get("category_id")) if isinstance(
                a.get("category_id"), (int, str)) else None
            self.anns.append((self.images[image_id], key, a))
            a["_category"] = category
        self.anns.sort(key=lambda t: t[0])
        for _, key, a in sorted(self.anns, key=lambda t: (str(t[1][0]), _num(t[1][1]))):
            label = a.get("name")
            self.declare(key, label if isinstance(label, str) else None,
                         a["_category"] if isinstance(a["_category"], str) else None)

    def masks(self):
        h, w = self.video.height, self.video.width
        for frame, key, a in self.anns:
            self.check_frame(frame, self.where)
            where = f"{self.where}: annotation {a.get('id')}"
            rle = to_rle(a["segmentation"], h, w, where)
            if rle is not None:
                self.check_size(rle, where)
                yield frame, key, rle


def _num(v):
    try:
        return (0, float(v))
    except (TypeError, ValueError):
        return (1, str(v))
