"""Exports load unchanged in the readers their users run.

- COCO: pycocotools itself (installed with the app) reads annotations/instances_default.json.
- Datumaro (CVAT's dataset layer), installed in its own venv by the tests (var/readers-venv,
  built once: tests/readers_venv.py; MASKFLOW_DATUMARO_PYTHON names another): COCO and
  MOTS PNG imported with Datumaro's own importers.
- YOLO: Ultralytics cannot be installed beside our torch, so the test follows its dataset
  rules (ultralytics/data/utils.py check_det_dataset and img2label_paths, docs
  datasets/segment): `train`/`val` resolved against the YAML's folder when there is no
  `path`, names as {index: name}, label file = image path with images/ → labels/ and .txt,
  rows `class x y x y ...` of at least 3 points in [0, 1]; no `nc` key: CVAT's YOLOv8
  import runs CVAT's Datumaro fork (cvat-ai/datumaro, not on PyPI; the PyPI Datumaro's
  YOLO-Ultralytics importer reads boxes only), whose YOLO-Ultralytics extractor takes
  every top-level key but names/path/... for a subset and finds labels by swapping the
  `images` folder in images/<subset>/... for `labels`.
- MOTS: the MOTS tools are not a package, so the test follows their rules
  (VisualComputingInstitute/mots_tools, mots_common/io.py): seqmap `%04d`-named sequences
  with the last frame index in field 4, class ids 1/2/10 only, one id per frame, disjoint
  masks, PNGs named 000000.png holding class × 1000 + instance.
- SA-V: the sam2 `sav_dataset` reader needs torch's sam2 checkout, so the test follows its
  rules (sav_dataset/utils/sav_utils.py SAVDataset): <video>.mp4 and <video>_manual.json in
  one folder; the decoded mp4's frames[::annot_sample_rate] (4) align with masklet rows.
"""
import io
import json
import os
import subprocess
import textwrap
import zipfile

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from tests.exports.conftest import disc, export_zip, rect, stored_masks

pytestmark = pytest.mark.django_db

def unzip(z: zipfile.ZipFile, tmp_path) -> str:
    root = tmp_path / "export"
    z.extractall(root)
    return str(root)


def run_datumaro(python: str, script: str, root: str) -> dict:
    out = subprocess.run([python, "-c", textwrap.dedent(script), root], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- COCO ---------------------------------------------------------------------------

def test_coco_loads_in_pycocotools_from_the_cvat_datumaro_layout(scene, tmp_path):
    video, objs = scene
    root = unzip(export_zip(video, "coco"), tmp_path)
    coco = COCO(os.path.join(root, "annotations", "instances_default.json"))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["disc", "box", "unlabeled"]
    expected = stored_masks(video)
    order = {o.pk: n for n, o in enumerate(objs, start=1)}
    seen = 0
    for img in coco.loadImgs(coco.getImgIds()):
        # The image is where CVAT/Datumaro look: images/<subset>/<file_name>.
        assert os.path.isfile(os.path.join(root, "images", "default", img["file_name"]))
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]])):
            m = coco.annToMask(ann)
            assert (m == expected[(order[ann["track_id"]], img["frame_index"])]).all()
            assert coco.loadCats([ann["category_id"]])[0]["name"] == (
                objs[order[ann["track_id"]] - 1].label.name
                if objs[order[ann["track_id"]] - 1].label else "unlabeled")
            seen += 1
    assert seen == len(expected) == 18


def test_coco_imports_in_datumaro(scene, tmp_path, datumaro_python):
    video, objs = scene
    root = unzip(export_zip(video, "coco"), tmp_path)
    got = run_datumaro(datumaro_python, """
        import json, sys
        from datumaro.components.annotation import AnnotationType
        from datumaro.components.dataset import Dataset
        ds = Dataset.import_from(sys.argv[1], "coco_instances")
        items = list(ds)
        labels = ds.categories()[AnnotationType.label]
        masks = [(i.id, labels[a.label].name, int(a.image.sum())) for i in items
                 for a in i.annotations if a.type == AnnotationType.mask]
        print(json.dumps({"subsets": sorted(ds.subsets()), "items": len(items),
                          "with_image": sum(1 for i in items if i.media and i.media.has_data),
                          "masks": len(masks), "area": sum(m[2] for m in masks),
                          "labels": sorted({m[1] for m in masks})}))
    """, root)
    area = sum(int(m.sum()) for m in stored_masks(video).values())
    assert got == {"subsets": ["default"], "items": 10, "with_image": 10, "masks": 18,
                   "area": area, "labels": ["box", "disc", "unlabeled"]}


# --- YOLO ---------------------------------------------------------------------------

def test_yolo_follows_ultralytics_dataset_rules(scene, tmp_path):
    video, objs = scene
    z = export_zip(video, "yolo")
    root = unzip(z, tmp_path)
    data = yaml.safe_load(open(os.path.join(root, "data.yaml")))
    assert "nc" not in data and "path" not in data
    assert set(data) == {"train", "val", "names"}
    assert data["names"] == {0: "disc", 1: "box", 2: "unlabeled"}
    images = {}
    for split in ("train", "val"):
        base = os.path.join(root, data[split])  # resolved against the YAML's folder
        assert os.path.isdir(base)
        for dirpath, _, files in os.walk(base):
            for f in files:
                images.setdefault(split, []).append(os.path.join(dirpath, f))
    # A real split: no frame in both, and val is the last frame of the 10.
    assert len(images["train"]) == 9 and len(images["val"]) == 1
    assert images["val"][0].endswith("walk/00009.jpg")
    expected = stored_masks(video)
    for split, paths in images.items():
        for img in paths:
            # img2label_paths: the last /images/ becomes /labels/, the suffix .txt.
            sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
            label = sb.join(img.rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt"
            assert os.path.isfile(label), label
            frame = int(os.path.basename(img)[:5])
            rows = [ln.split() for ln in open(label).read().splitlines() if ln.strip()]
            for r in rows:
                assert int(r[0]) in data["names"] and len(r) >= 7 and len(r) % 2 == 1
                xy = np.array(r[1:], float)
                assert ((xy >= 0) & (xy <= 1)).all()
            assert len(rows) == sum(1 for n in (1, 2, 3) if (n, frame) in expected)


def test_yolo_val_fraction_zero_is_train_only(scene):
    video, objs = scene
    z = export_zip(video, "yolo", include_frames=False, val_fraction=0)
    assert yaml.safe_load(z.read("data.yaml")) == {
        "train": "images/train", "names": {0: "disc", 1: "box", 2: "unlabeled"}}
    assert not any(n.startswith("labels/val/") for n in z.namelist())


# --- MOTS ---------------------------------------------------------------------------

@pytest.fixture
def street(make_video, add_object, project_with_roles):
    """Labels named as MOTS classes (car, person → pedestrian), one overlap on frame 0."""
    from webapp.projects.models import LabelClass

    project = project_with_roles[0]
    LabelClass.objects.get_or_create(project=project, name="car", defaults={"order": 5})
    LabelClass.objects.get_or_create(project=project, name="person", defaults={"order": 6})
    video = make_video(num_frames=4)
    add_object(video, {0: rect(48, 64, 0, 0, 30, 30), 1: rect(48, 64, 0, 0, 10, 10)}, "car")
    add_object(video, {0: rect(48, 64, 20, 20, 40, 40), 3: disc(48, 64, 40, 20, 5)}, "person")
    return video


def load_seqmap(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        fields = line.split(" ")
        out["%04d" % int(fields[0])] = int(fields[3])
    return out


def test_mots_txt_and_seqmap_follow_the_mots_tools_rules(street, tmp_path):
    root = unzip(export_zip(street, "mots"), tmp_path)
    seqmap = load_seqmap(open(os.path.join(root, "maskflow.seqmap")).read())
    assert seqmap == {"0000": 3}  # the last frame index, not the count
    for seq, last in seqmap.items():
        path = os.path.join(root, "instances_txt", seq + ".txt")
        assert os.path.exists(path) and not os.path.isdir(os.path.join(root, "instances_txt", seq))
        ids_per_frame: dict[int, set] = {}
        union: dict[int, dict] = {}
        classes = set()
        for line in open(path):
            fields = line.strip().split(" ")
            frame, tid, cls = int(fields[0]), int(fields[1]), int(fields[2])
            assert 0 <= frame <= last
            assert tid not in ids_per_frame.setdefault(frame, set())
            ids_per_frame[frame].add(tid)
            assert cls in (1, 2, 10) and tid // 1000 == cls
            classes.add(cls)
            m = {"size": [int(fields[3]), int(fields[4])], "counts": fields[5].encode()}
            if frame in union:
                assert mask_utils.area(mask_utils.merge([union[frame], m], intersect=True)) == 0
                union[frame] = mask_utils.merge([union[frame], m], intersect=False)
            else:
                union[frame] = m
        assert classes == {1, 2}  # car → 1, person → 2 by default
        assert ids_per_frame == {0: {1001, 2002}, 1: {1001}, 3: {2002}}
    assert os.path.isfile(os.path.join(root, "images", "0000", "000003.jpg"))


def test_mots_pngs_follow_the_mots_tools_rules(street, tmp_path):
    root = unzip(export_zip(street, "mots", include_frames=False), tmp_path)
    folder = os.path.join(root, "instances", "0000")
    files = sorted(os.listdir(folder))
    assert files == [f"{f:06d}.png" for f in range(4)]
    txt = {}
    for line in open(os.path.join(root, "instances_txt", "0000.txt")):
        f = line.split()
        txt[(int(f[0]), int(f[1]))] = mask_utils.decode(
            {"size": [int(f[3]), int(f[4])], "counts": f[5].encode()})
    for name in files:
        assert len(name) == 10
        img = np.array(Image.open(os.path.join(folder, name)))
        frame = int(name.split(".")[0])
        ids = [int(i) for i in np.unique(img) if i]
        assert {(frame, i) for i in ids} == {k for k in txt if k[0] == frame}
        for i in ids:
            assert i // 1000 in (1, 2, 10)
            assert ((img == i) == txt[(frame, i)].astype(bool)).all()


def test_mots_png_imports_in_datumaro(street, tmp_path, datumaro_python):
    root = unzip(export_zip(street, "mots"), tmp_path)
    got = run_datumaro(datumaro_python, """
        import json, sys
        from datumaro.components.annotation import AnnotationType
        from datumaro.components.dataset import Dataset
        ds = Dataset.import_from(sys.argv[1], "mots")
        labels = ds.categories()[AnnotationType.label]
        out = []
        for item in sorted(ds, key=lambda i: i.id):
            for a in item.annotations:
                out.append([item.id, labels[a.label].name, int(a.attributes["track_id"]),
                            int(a.image.sum())])
        print(json.dumps({"anns": out,
                          "images": sum(1 for i in ds if i.media and i.media.has_data)}))
    """, root)
    anns = sorted(map(tuple, got["anns"]))
    assert got["images"] == 4
    # frame 0: the car (30x30 minus the person's overlap, which the smaller mask wins)
    assert anns == sorted([("0000/000000", "car", 1, 30 * 30 - 10 * 10),
                           ("0000/000000", "pedestrian", 2, 400),
                           ("0000/000001", "car", 1, 100),
                           ("0000/000003", "pedestrian", 2, int(disc(48, 64, 40, 20, 5).sum()))])


def test_mots_refuses_labels_a_given_class_map_leaves_without_a_class(
        scene, project_with_roles, client_for):
    video, _ = scene
    client = client_for(project_with_roles[1]["owner"])
    r = client.post(f"/api/videos/{video.pk}/exports/", {"format": "mots", "class_map": {}},
                    format="json")
    assert r.status_code == 400
    msg = r.json()["detail"]
    assert "'box'" in msg and "'disc'" in msg and "'unlabeled'" in msg and "class_map" in msg
    r = client.post(f"/api/videos/{video.pk}/exports/",
                    {"format": "mots", "class_map": {"box": 3}}, format="json")
    assert r.status_code == 400  # only 1, 2 and 10 exist
    r = client.post(f"/api/videos/{video.pk}/exports/",
                    {"format": "mots", "class_map": {"Box": 1, "disc": 2, "unlabeled": 10}},
                    format="json")
    assert r.status_code == 201, r.json()


def test_a_plain_mots_export_writes_unnamed_labels_as_ignore_regions_and_says_so(scene):
    """The contract's plain `{format: "mots"}` keeps working: labels that name no MOTS class
    are written as 10 (ignore), ids stay class x 1000 + instance, and the README says why."""
    video, _ = scene
    z = export_zip(video, "mots", include_frames=False)
    rows = [ln.split() for name in z.namelist() if name.startswith("instances_txt/")
            for ln in z.read(name).decode().splitlines()]
    assert rows and {int(r[2]) for r in rows} == {10}
    assert all(int(r[1]) // 1000 == int(r[2]) for r in rows)
    readme = z.read("README.md").decode()
    assert "written as 10, ignore regions" in readme and "'box'" in readme


def test_mots_class_map_overrides_the_name_default(street):
    z = export_zip(street, "mots", include_frames=False, class_map={"person": 10})
    classes = {int(ln.split()[2]) for ln in z.read("instances_txt/0000.txt").decode().splitlines()}
    assert classes == {1, 10}
    assert "person: 10" in z.read("README.md").decode()


# --- SA-V ---------------------------------------------------------------------------

def test_sav_loads_as_the_sav_dataset_reader_aligns_it(scene, tmp_path):
    video, objs = scene
    root = unzip(export_zip(video, "sav"), tmp_path)
    # SAVDataset(sav_dir).get_frames_and_annotations(video_id): <id>.mp4 + <id>_manual.json.
    doc = json.load(open(os.path.join(root, "walk_manual.json")))
    cap = cv2.VideoCapture(os.path.join(root, doc["video_id"] + ".mp4"))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == 10 == doc["video_frame_count"]
    annotated = frames[::4]  # the reader's default annot_sample_rate
    assert len(annotated) == len(doc["masklet"]) == 3
    assert doc["frame_stride"] == 4 and doc["annotated_frames"] == [0, 4, 8]
    # Row i is frame 4i: the masks are the stored masks of frames 0, 4, 8.
    expected = stored_masks(video)
    for i, row in enumerate(doc["masklet"]):
        for j, rle in enumerate(row):
            m = mask_utils.decode(rle)
            want = expected.get((j + 1, 4 * i))
            assert (m == (want if want is not None else 0)).all(), (i, j)
    # The decoded frame is the JPEG of frame 4i (the fixture tints frames by index).
    for i, frame in enumerate(annotated):
        assert abs(int(frame[..., 0].mean()) - 120) < 12  # B of (R=n*20, 80, 120)
        assert abs(int(frame[..., 2].mean()) - (4 * i * 20) % 256) < 12


def test_sav_fields_are_as_in_the_official_files(scene):
    video, objs = scene
    doc = json.loads(export_zip(video, "sav", include_frames=False).read("walk_manual.json"))
    for k in ("video_duration", "video_frame_count", "video_height", "video_width",
              "video_resolution", "video_fps"):
        assert isinstance(doc[k], float), k
    for k in ("video_environment", "video_split", "masklet_stability_score"):
        assert k in doc
    n = doc["masklet_num"]
    assert doc["masklet_frame_count"] == [len(doc["masklet"])] * n == [3, 3, 3]
    # Frames 0, 4, 8: the unlabelled masklet (frames 1-3) is never visible there.
    assert doc["masklet_size_bucket"] == ["small", "small", None]
    assert doc["masklet_first_appeared_frame"] == [0, 0, None]
    assert doc["masklet_visibility_changes"] == [0, 0, 0]


def test_sav_default_stride_is_four_at_24_fps_and_one_elsewhere(make_video):
    video = make_video(num_frames=12)
    for fps, stride in ((24.0, 4), (23.976, 4), (30.0, 1), (12.0, 1)):
        video.fps = fps
        video.save(update_fields=["fps"])
        doc = json.loads(export_zip(video, "sav", include_frames=False).read("walk_manual.json"))
        assert doc["frame_stride"] == stride, fps
        assert doc["annotated_frames"] == list(range(0, 12, stride))
        assert len(doc["masklet"]) == len(range(0, 12, stride))
    z = export_zip(video, "sav", include_frames=False, stride=3)
    assert json.loads(z.read("walk_manual.json"))["annotated_frames"] == [0, 3, 6, 9]


def test_every_export_readme_names_the_reader_it_was_checked_with(scene):
    video, _ = scene
    for fmt, opts, reader in (("coco", {}, "pycocotools"), ("yolo", {}, "Ultralytics"),
                              ("sav", {}, "sav_dataset"),
                              ("mots", {"class_map": {"disc": 1, "box": 2, "unlabeled": 10}},
                               "MOTS tools")):
        text = export_zip(video, fmt, include_frames=False, **opts).read("README.md").decode()
        assert "Checked" in text and reader in text, fmt

