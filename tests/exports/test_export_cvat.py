"""The `cvat` export (CVAT for video 1.1 XML), checked against CVAT's rules as its XML
loader applies them (cvat-ai/cvat cvat/apps/dataset_manager/formats/cvat.py, read, not
copied): <track id label group_id> holding shapes with frame/keyframe/outside; only
keyframes are kept on import; a track of `mask` shapes is turned into one shape (its
first), so track identity needs polygon tracks; `points` is "x,y;x,y;...". Also loaded
with Datumaro's `cvat` importer (readers venv) and imported back by Maskflow."""
import io
import xml.etree.ElementTree as ET
import zipfile

import cv2
import numpy as np
import pytest

from tests.exports.conftest import disc, export_zip, rect, stored_masks
from tests.exports.test_readers_reference import run_datumaro, unzip
from tests.exports.test_roundtrip import import_into
from webapp.annotations.models import Object

pytestmark = pytest.mark.django_db


def fill(points: str, h: int, w: int) -> np.ndarray:
    xy = np.array([[float(v) for v in p.split(",")] for p in points.split(";")])
    return cv2.fillPoly(np.zeros((h, w), np.uint8), [np.round(xy).astype(np.int32)], 1)


def tracks_as_cvat_keeps_them(root: ET.Element, h: int, w: int) -> dict:
    """{(track id, frame): mask} of the keyframes a track shows (outside=0), as CVAT's
    loader keeps them, and {track id: (label, group_id)}."""
    shown, info = {}, {}
    for t in root.iter("track"):
        info[int(t.get("id"))] = (t.get("label"), t.get("group_id"))
        for el in t:
            assert el.tag == "polygon"  # identity survives CVAT for polygon tracks only
            assert el.get("keyframe") == "1" and el.get("outside") in ("0", "1")
            if el.get("outside") == "0":
                shown[(int(t.get("id")), int(el.get("frame")))] = fill(el.get("points"), h, w)
    return shown, info


def test_cvat_export_follows_cvats_track_rules(scene):
    video, objs = scene
    z = export_zip(video, "cvat", include_frames=True)
    assert "images/frame_000009.jpg" in z.namelist()
    root = ET.fromstring(z.read("annotations.xml"))
    assert root.tag == "annotations" and root.findtext("version") == "1.1"
    task = root.find("meta/task")
    assert task.findtext("mode") == "interpolation" and task.findtext("size") == "10"
    assert (task.findtext("original_size/width"), task.findtext("original_size/height")) == (
        "64", "48")
    labels = [lb.findtext("name") for lb in task.iter("label")]
    assert labels == ["disc", "box", "unlabeled"]
    shown, info = tracks_as_cvat_keeps_them(root, 48, 64)
    assert sorted(info) == list(range(len(info))) == [0, 1, 2]  # unique ids from 0
    assert info == {0: ("disc", "1"), 1: ("box", "2"), 2: ("unlabeled", "3")}
    expected = stored_masks(video)
    assert {(t + 1, f) for t, f in shown} == set(expected)
    for (t, f), m in shown.items():
        assert (m == expected[(t + 1, f)]).all(), (t, f)
    # The box shows on even frames: each odd frame ends it with an `outside` keyframe, which
    # repeats the last points (CVAT needs points on every shape).
    box = root.find("track[@id='1']")
    outside = [int(el.get("frame")) for el in box if el.get("outside") == "1"]
    assert outside == [1, 3, 5, 7, 9]
    frames = [int(el.get("frame")) for el in box]
    assert frames == sorted(frames) == list(range(10))
    thing = [(int(el.get("frame")), el.get("outside")) for el in root.find("track[@id='2']")]
    assert thing == [(1, "0"), (2, "0"), (3, "0"), (4, "1")]


@pytest.fixture
def split(make_video, add_object):
    """A masklet in two parts on frame 1 and in one part on frames 0 and 2."""
    video = make_video(num_frames=3)
    two = rect(48, 64, 2, 2, 12, 12) | rect(48, 64, 30, 30, 40, 44)
    add_object(video, {0: rect(48, 64, 2, 2, 12, 12), 1: two, 2: disc(48, 64, 20, 20, 8)}, "disc")
    return video


def test_a_masklet_in_parts_is_tracks_of_one_group_and_imports_back_as_one(split, make_video):
    z = export_zip(split, "cvat", include_frames=False)
    root = ET.fromstring(z.read("annotations.xml"))
    shown, info = tracks_as_cvat_keeps_them(root, 48, 64)
    assert info == {0: ("disc", "1"), 1: ("disc", "1")}
    assert sorted(shown) == [(0, 0), (0, 1), (0, 2), (1, 1)]
    assert [(el.get("frame"), el.get("outside")) for el in root.find("track[@id='1']")] == [
        ("1", "0"), ("2", "1")]
    # Maskflow reads the group back as one masklet, every pixel kept.
    target = make_video(num_frames=3, name="copy.mp4")
    job = import_into(target, "cvat", export_bytes(split))
    assert job.status == "done", job.error
    assert Object.objects.filter(video=target).count() == 1
    assert {k: v.tolist() for k, v in stored_masks(target).items()} == {
        k: v.tolist() for k, v in stored_masks(split).items()}


def test_cvat_export_round_trips_through_maskflows_cvat_import(scene, make_video):
    video, objs = scene
    data = export_bytes(video)
    target = make_video(name="copy.mp4")
    job = import_into(target, "cvat", data)
    assert job.status == "done", job.error
    got = list(Object.objects.filter(video=target).order_by("id"))
    assert [o.label.name if o.label else None for o in got] == ["disc", "box", None]
    a, b = stored_masks(video), stored_masks(target)
    assert set(a) == set(b) and all((a[k] == b[k]).all() for k in a)


def export_bytes(video, **options) -> bytes:
    z = export_zip(video, "cvat", include_frames=False, **options)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in z.namelist():
            out.writestr(name, z.read(name))
    return buf.getvalue()


def test_cvat_export_loads_in_datumaros_cvat_importer(scene, tmp_path, datumaro_python):
    video, objs = scene
    root = unzip(export_zip(video, "cvat", include_frames=False), tmp_path)
    got = run_datumaro(datumaro_python, """
        import json, sys
        from datumaro.components.annotation import AnnotationType
        from datumaro.components.dataset import Dataset
        ds = Dataset.import_from(sys.argv[1], "cvat")
        labels = ds.categories()[AnnotationType.label]
        out = []
        for item in ds:
            for a in item.annotations:
                if a.type == AnnotationType.polygon and not a.attributes.get("outside"):
                    out.append([item.attributes["frame"], a.attributes["track_id"],
                                labels[a.label].name, a.group, a.points])
        print(json.dumps(out))
    """, root)
    expected = stored_masks(video)
    assert {(t + 1, f) for f, t, *_ in got} == set(expected)
    names = {1: "disc", 2: "box", 3: "unlabeled"}
    for f, t, label, group, points in got:
        assert label == names[t + 1] and group == t + 1
        pts = ";".join(f"{x},{y}" for x, y in zip(points[::2], points[1::2]))
        assert (fill(pts, 48, 64) == expected[(t + 1, f)]).all()
