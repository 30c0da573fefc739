"""Every export format, read back with its reference reader (PIL, pycocotools, YAML)."""
import io
import json

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image
from pycocotools import mask as mask_utils

from tests.exports.conftest import disc, export_zip, rect, stored_masks
from webapp.exports.masks import DAVIS_PALETTE

pytestmark = pytest.mark.django_db


def coco_decode(rle):
    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})


def test_davis_writes_an_indexed_png_with_the_davis_palette_for_every_frame(scene):
    video, objs = scene
    z = export_zip(video, "davis")
    names = set(z.namelist())
    for f in range(10):
        assert f"Annotations/walk/{f:05d}.png" in names
        assert f"JPEGImages/walk/{f:05d}.jpg" in names
    expected = stored_masks(video)
    for f in range(10):
        img = Image.open(io.BytesIO(z.read(f"Annotations/walk/{f:05d}.png")))
        assert img.mode == "P" and img.size == (64, 48)
        assert img.getpalette()[:12] == DAVIS_PALETTE[:12]
        index = np.asarray(img)
        for n in (1, 2, 3):
            want = expected.get((n, f), np.zeros((48, 64), np.uint8))
            assert ((index == n) == want.astype(bool)).all(), (n, f)
    jpeg = Image.open(io.BytesIO(z.read("JPEGImages/walk/00003.jpg")))
    assert jpeg.format == "JPEG" and jpeg.size == (64, 48)
    meta = json.loads(z.read("meta.json"))
    objects = meta["videos"]["walk"]["objects"]
    assert objects["1"]["category"] == "disc" and objects["2"]["category"] == "box"
    assert objects["3"]["category"] == "unlabeled"
    assert objects["2"]["frames"] == ["00000", "00002", "00004", "00006", "00008"]
    assert "overlap" in z.read("README.md").decode().lower()


def test_davis_resolves_overlaps_smaller_mask_first_then_lower_number(make_video, add_object):
    video = make_video(num_frames=2)
    big = rect(48, 64, 0, 0, 40, 40)
    small = rect(48, 64, 10, 10, 20, 20)
    add_object(video, {0: big, 1: rect(48, 64, 0, 0, 20, 20)})  # 1
    add_object(video, {0: small, 1: rect(48, 64, 10, 10, 30, 30)})  # 2 (same area on frame 1)
    z = export_zip(video, "davis", include_frames=False)
    f0 = np.asarray(Image.open(io.BytesIO(z.read("Annotations/walk/00000.png"))))
    assert (f0[10:20, 10:20] == 2).all()  # the smaller mask wins
    assert f0[5, 5] == 1 and f0[30, 30] == 1
    f1 = np.asarray(Image.open(io.BytesIO(z.read("Annotations/walk/00001.png"))))
    assert (f1[10:20, 10:20] == 1).all()  # equal areas: the lower object number wins
    assert f1[25, 25] == 2
    assert not any(n.startswith("JPEGImages/") for n in z.namelist())


def test_ytvis_json_has_per_frame_rle_or_null_areas_and_bboxes(scene):
    video, objs = scene
    doc = json.loads(export_zip(video, "ytvis").read("annotations.json"))
    assert [c["name"] for c in doc["categories"]] == ["disc", "box", "unlabeled"]
    assert [c["id"] for c in doc["categories"]] == [1, 2, 3]
    (v,) = doc["videos"]
    assert v["length"] == 10 and v["width"] == 64 and v["height"] == 48
    assert v["file_names"][3] == "walk/00003.jpg"
    anns = {a["id"]: a for a in doc["annotations"]}
    box = anns[objs[1].pk]
    assert box["category_id"] == 2 and box["video_id"] == v["id"]
    assert box["segmentations"][1] is None and box["areas"][1] is None
    m = coco_decode(box["segmentations"][2])
    assert (m == rect(48, 64, 36, 28, 52, 44)).all()
    assert box["areas"][2] == 16 * 16
    assert box["bboxes"][2] == [36.0, 28.0, 16.0, 16.0]


def test_ytvis_with_stride_keeps_every_nth_frame(scene):
    video, objs = scene
    doc = json.loads(export_zip(video, "ytvis", stride=3, include_frames=False).read("annotations.json"))
    assert doc["videos"][0]["file_names"] == [f"walk/{f:05d}.jpg" for f in (0, 3, 6, 9)]
    ball = next(a for a in doc["annotations"] if a["id"] == objs[0].pk)
    assert len(ball["segmentations"]) == 4
    assert (coco_decode(ball["segmentations"][1]) == disc(48, 64, 19, 14, 6)).all()


def test_coco_annotations_carry_video_frame_and_track(scene):
    video, objs = scene
    z = export_zip(video, "coco")
    doc = json.loads(z.read("annotations/instances_default.json"))
    images = {im["id"]: im for im in doc["images"]}
    assert len(images) == 10
    assert {im["file_name"] for im in images.values()} <= set(
        n.removeprefix("images/default/") for n in z.namelist())
    anns = doc["annotations"]
    assert len(anns) == 10 + 5 + 3
    for a in anns:
        im = images[a["image_id"]]
        assert a["frame_index"] == im["frame_index"] and a["video_id"] == im["video_id"]
        assert a["iscrowd"] == 0
        m = coco_decode(a["segmentation"])
        assert m.sum() == a["area"]
    tracks = {a["track_id"] for a in anns}
    assert tracks == {o.pk for o in objs}
    disc_ann = next(a for a in anns if a["track_id"] == objs[0].pk and a["frame_index"] == 4)
    assert (coco_decode(disc_ann["segmentation"]) == disc(48, 64, 22, 14, 6)).all()
    assert disc_ann["category_id"] == 1


def test_sav_json_lists_one_rle_per_masklet_for_every_frame(scene):
    video, objs = scene
    z = export_zip(video, "sav", include_frames=False, stride=1)
    doc = json.loads(z.read("walk_manual.json"))
    assert doc["video_frame_count"] == 10 and doc["video_height"] == 48
    assert len(doc["masklet"]) == 10  # every frame with stride 1
    assert all(len(row) == 3 for row in doc["masklet"])
    assert doc["masklet_num"] == 3
    assert doc["masklet_frame_count"] == [10, 10, 10]  # annotated rows, as in SA-V
    assert doc["masklet_visible_frame_count"] == [10, 5, 3]
    assert doc["masklet_first_appeared_frame"] == [0, 0, 1]
    assert doc["masklet_visibility_changes"][1] == 9  # the box blinks every other frame
    assert doc["masklet_visibility_changes"][2] == 1  # appears (not counted), then vanishes
    assert coco_decode(doc["masklet"][1][1]).sum() == 0  # absent: an empty RLE
    assert (coco_decode(doc["masklet"][2][2]) == rect(48, 64, 2, 36, 8, 46)).all()
    strided = json.loads(export_zip(video, "sav", stride=4, include_frames=False)
                         .read("walk_manual.json"))
    assert strided["annotated_frames"] == [0, 4, 8] and len(strided["masklet"]) == 3


def test_yolo_labels_are_normalised_polygons_with_label_order_classes(scene):
    video, objs = scene
    z = export_zip(video, "yolo")
    data = yaml.safe_load(z.read("data.yaml"))
    assert data == {"train": "images/train", "val": "images/val",
                    "names": {0: "disc", 1: "box", 2: "unlabeled"}}
    assert "images/train/walk/00000.jpg" in z.namelist()
    assert "images/val/walk/00009.jpg" in z.namelist()
    expected = stored_masks(video)
    for f in range(10):
        split = "val" if f == 9 else "train"
        lines = z.read(f"labels/{split}/walk/{f:05d}.txt").decode().splitlines()
        by_class = {}
        for line in lines:
            cls, *coords = line.split()
            xy = np.array(coords, dtype=float).reshape(-1, 2)
            assert (xy >= 0).all() and (xy <= 1).all()
            # Rasterised as Ultralytics does: scale, truncate to int, cv2.fillPoly.
            canvas = np.zeros((48, 64), np.uint8)
            cv2.fillPoly(canvas, [(xy * [64, 48]).astype(np.int32)], 1)
            by_class[int(cls)] = canvas
        for n, cls in ((1, 0), (2, 1), (3, 2)):
            want = expected.get((n, f))
            if want is None:
                assert cls not in by_class
                continue
            got = by_class[cls].astype(bool)
            iou = (got & want.astype(bool)).sum() / (got | want.astype(bool)).sum()
            assert iou == 1.0, (n, f, iou)  # convex shapes come back exactly


def test_mots_ids_are_class_times_1000_plus_instance_and_masks_disjoint(make_video, add_object):
    video = make_video(num_frames=3)
    add_object(video, {0: rect(48, 64, 0, 0, 40, 40), 2: rect(48, 64, 5, 5, 9, 9)}, "box")
    add_object(video, {0: rect(48, 64, 10, 10, 20, 20)}, "disc")
    z = export_zip(video, "mots", include_frames=False, class_map={"box": 2, "disc": 1})
    lines = z.read("instances_txt/0000.txt").decode().splitlines()
    rows = [line.split(" ") for line in lines]
    assert [(r[0], r[1], r[2]) for r in rows] == [("0", "2001", "2"), ("0", "1002", "1"),
                                                  ("2", "2001", "2")]
    masks = [mask_utils.decode({"size": [int(r[3]), int(r[4])], "counts": r[5].encode()})
             for r in rows]
    assert int(rows[0][3]) == 48 and int(rows[0][4]) == 64
    assert not (masks[0] & masks[1]).any()  # disjoint on frame 0
    assert masks[0].sum() == 40 * 40 - 10 * 10 and masks[1].sum() == 100
    assert z.read("maskflow.seqmap").decode().split() == ["0000", "empty", "000000", "000002"]
    # Every .txt under instances_txt/ is an annotation file (the MOTS tools read the
    # folder they are given by sequence name); labels.txt sits with the PNGs for Datumaro.
    for name in z.namelist():
        if name.startswith("instances_txt/"):
            assert all(len(ln.split()) == 6 for ln in z.read(name).decode().splitlines()), name


def test_accepted_only_exports_only_accepted_masklets(scene):
    video, objs = scene
    doc = json.loads(export_zip(video, "coco", accepted_only=True, include_frames=False)
                     .read("annotations/instances_default.json"))
    assert {a["track_id"] for a in doc["annotations"]} == {objs[2].pk}


def test_project_export_holds_every_ready_video(scene, make_video, add_object):
    video, objs = scene
    other = make_video(num_frames=4, name="walk.mov")
    add_object(other, {0: rect(48, 64, 1, 1, 5, 5)}, "box")
    z = export_zip(video.project, "davis", include_frames=False)
    dirs = {n.split("/")[1] for n in z.namelist() if n.startswith("Annotations/")}
    assert dirs == {"walk", f"walk-{other.pk}"}
    assert len([n for n in z.namelist() if n.startswith("Annotations/")]) == 14


def test_empty_video_still_exports_valid_files(make_video):
    video = make_video(num_frames=3)
    for fmt in ("davis", "ytvis", "coco", "sav", "yolo", "mots"):
        z = export_zip(video, fmt, include_frames=False)
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith(".json"):
                json.loads(z.read(name))
