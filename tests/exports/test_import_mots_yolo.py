"""MOTS (txt and PNG) and YOLO-seg imports: they round-trip with Maskflow's own exports,
read files from other tools (no Maskflow side file), and refuse hostile uploads."""
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.exports.conftest import export_zip, rect, stored_masks
from tests.exports.test_import_safety import make_zip, post
from tests.exports.test_readers_reference import street  # noqa: F401 - a shared fixture
from tests.exports.test_roundtrip import import_into, zip_bytes
from webapp.annotations.models import FrameMask, Object
from webapp.exports import masks as M
from webapp.exports.models import ImportJob

pytestmark = pytest.mark.django_db


def without(z: zipfile.ZipFile, drop) -> bytes:
    return make_zip({n: z.read(n) for n in z.namelist() if not drop(n)})


def mots_txt_masks(z: zipfile.ZipFile, seq="0000") -> dict:
    out = {}
    for line in z.read(f"instances_txt/{seq}.txt").decode().splitlines():
        f = line.split()
        out[(int(f[1]), int(f[0]))] = M.decode({"size": [int(f[3]), int(f[4])], "counts": f[5]})
    return out


def by_name(video) -> dict:
    """{(object name, frame): mask} of a video's live objects."""
    out = {}
    for o in Object.objects.filter(video=video, deleted=False):
        for fm in FrameMask.objects.filter(object=o):
            out[(o.name, fm.frame)] = M.decode(fm.rle)
    return out


# --- MOTS ---------------------------------------------------------------------------

def test_mots_export_import_export_keeps_masks_labels_and_names(street, make_video):
    first = export_zip(street, "mots", include_frames=False)
    target = make_video(name="copy.mp4")
    job = import_into(target, "mots", zip_bytes(first))
    assert job.status == "done", job.error
    assert job.result["objects"] == 2 and job.result["masks"] == 4
    objs = Object.objects.filter(video=target).order_by("id")
    assert [o.label.name for o in objs] == ["car", "person"]
    second = export_zip(target, "mots", include_frames=False)
    a, b = mots_txt_masks(first), mots_txt_masks(second)
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)


def test_mots_png_variant_imports_alone(street, make_video):
    first = export_zip(street, "mots", include_frames=False)
    data = without(first, lambda n: n.startswith("instances_txt/") or n.endswith(".json"))
    target = make_video(name="copy.mp4")
    job = import_into(target, "mots", data)
    assert job.status == "done", job.error
    txt = mots_txt_masks(first)
    objs = {o.name: o for o in Object.objects.filter(video=target)}
    # Without the side file the class names the objects: car, and pedestrian (not a label
    # of this project, whose label is "person": a warning, no label).
    assert set(objs) == {"car 1001", "pedestrian 2002"}
    assert objs["car 1001"].label.name == "car" and objs["pedestrian 2002"].label is None
    assert any("pedestrian" in w for w in job.result["warnings"])
    got = by_name(target)
    for (oid, frame), m in txt.items():
        name = "car 1001" if oid == 1001 else "pedestrian 2002"
        assert (got[(name, frame)] == m).all()


def test_mots_txt_from_the_mots_tools_imports(make_video):
    video = make_video(num_frames=3)
    car = M.encode(rect(48, 64, 0, 0, 10, 10))
    ped = M.encode(rect(48, 64, 20, 20, 30, 40))
    lines = [f"0 1001 1 48 64 {car['counts']}", f"0 2005 2 48 64 {ped['counts']}",
             f"2 2005 2 48 64 {ped['counts']}"]
    job = import_into(video, "mots", make_zip({"instances_txt/0002.txt": "\n".join(lines)}))
    assert job.status == "done", job.error
    assert job.result["objects"] == 2 and job.result["masks"] == 3
    assert sorted(Object.objects.filter(video=video).values_list("name", flat=True)) == [
        "car 1001", "pedestrian 2005"]


@pytest.mark.parametrize("line,message", [
    ("0 1001 1 40 64 {c}", "does not match the video"),
    ("9 1001 1 48 64 {c}", "outside the video"),
    ("0 1001 1 48 64", "expected 6 fields"),
    ("0 x 1 48 64 {c}", "integers"),
])
def test_hostile_mots_txt_fails_the_job_with_a_reason_and_writes_nothing(make_video, line,
                                                                        message):
    video = make_video(num_frames=3)
    c = M.encode(rect(48, 64, 0, 0, 10, 10))["counts"]
    job = import_into(video, "mots", make_zip({"instances_txt/0000.txt": line.format(c=c)}))
    assert job.status == "failed" and message in job.error, job.error
    assert not Object.objects.filter(video=video).exists()


def test_a_mots_png_of_another_size_or_bomb_is_refused(make_video):
    video = make_video(num_frames=3)
    buf = io.BytesIO()
    Image.fromarray(np.zeros((480, 640), np.uint16)).save(buf, format="PNG")
    job = import_into(video, "mots", make_zip({"instances/0000/000000.png": buf.getvalue()}))
    assert job.status == "failed" and "640x480" in job.error


def test_mots_zip_slip_is_refused_in_the_request(make_video, project_with_roles, client_for):
    video = make_video()
    client = client_for(project_with_roles[1]["annotator"])
    r = post(client, video, make_zip({"../instances_txt/0000.txt": b"0 1001 1 48 64 x"}),
             fmt="mots")
    assert r.status_code == 400
    assert not ImportJob.objects.filter(video=video).exists()


# --- YOLO ---------------------------------------------------------------------------

def test_yolo_export_import_export_keeps_masks_identical(scene, make_video):
    video, objs = scene
    first = export_zip(video, "yolo", include_frames=False)
    target = make_video(name="copy.mp4")
    job = import_into(target, "yolo", zip_bytes(first))
    assert job.status == "done", job.error
    assert job.result["objects"] == 3 and job.result["masks"] == 18
    imported = Object.objects.filter(video=target).order_by("id")
    assert [o.name for o in imported] == ["ball", "crate", "thing"]
    assert [o.label.name if o.label else None for o in imported] == ["disc", "box", None]
    # Convex shapes come back exactly through Ultralytics's rasterisation.
    original, copied = stored_masks(video), stored_masks(target)
    assert original.keys() == copied.keys()
    assert all((original[k] == copied[k]).all() for k in original)
    second = export_zip(target, "yolo", include_frames=False)
    for name in first.namelist():
        if name.startswith("labels/"):
            assert first.read(name) == second.read(name.replace("/walk/", "/copy/")), name


def test_yolo_without_the_side_file_links_rows_by_overlap(scene, make_video):
    video, objs = scene
    first = export_zip(video, "yolo", include_frames=False)
    target = make_video(name="copy.mp4")
    job = import_into(target, "yolo", without(first, lambda n: n.endswith(".json")))
    assert job.status == "done", job.error
    # The moving disc, the blinking box (gaps of one frame) and the thing: 3 masklets.
    assert job.result["objects"] == 3 and job.result["masks"] == 18
    labels = sorted(o.label.name if o.label else "-" for o in Object.objects.filter(video=target))
    assert labels == ["-", "box", "disc"]
    original, copied = stored_masks(video), stored_masks(target)
    assert sorted(original) == sorted(copied)


def test_yolo_labels_from_another_tool_import(make_video):
    video = make_video(num_frames=2)
    rows = "0 0.1 0.1 0.4 0.1 0.4 0.4 0.1 0.4\n1 0.6 0.6 0.9 0.6 0.9 0.9\n"
    files = {"data.yaml": "names: [car, person]\n", "labels/train/000000.txt": rows,
             "labels/train/000001.txt": rows}
    job = import_into(video, "yolo", make_zip(files))
    assert job.status == "done", job.error
    objs = Object.objects.filter(video=video).order_by("id")
    assert [o.name for o in objs] == ["car t1", "person t2"]
    assert job.result["masks"] == 4


@pytest.mark.parametrize("row,message", [
    ("0 0.1 0.1 1.5 0.1 0.4 0.4", "normalised"),
    ("0 0.1 0.1 nan 0.1 0.4 0.4", "normalised"),
    ("0 0.1 0.1 0.2", "3 or more"),
    ("zero 0.1 0.1 0.2 0.2 0.3 0.3", "numbers"),
])
def test_hostile_yolo_rows_fail_the_job_with_a_reason(make_video, row, message):
    video = make_video(num_frames=2)
    job = import_into(video, "yolo", make_zip({"labels/000000.txt": row}))
    assert job.status == "failed" and message in job.error, job.error
    assert not Object.objects.filter(video=video).exists()


def test_yolo_bad_yaml_and_frames_past_the_end_fail_cleanly(make_video):
    video = make_video(num_frames=2)
    job = import_into(video, "yolo", make_zip({"data.yaml": "names: [a\n",
                                               "labels/000000.txt": ""}))
    assert job.status == "failed" and "YAML" in job.error
    job = import_into(video, "yolo", make_zip({"labels/000007.txt": "0 0 0 1 0 1 1"}))
    assert job.status == "failed" and "outside" in job.error


def test_a_yolo_bomb_is_refused_by_its_expanded_size(make_video, project_with_roles,
                                                     client_for, settings):
    settings.IMPORT_MAX_EXPANDED_MB = 1
    video = make_video()
    client = client_for(project_with_roles[1]["annotator"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("labels/000000.txt", b"0 " * (3 << 20))
    r = post(client, video, buf.getvalue(), fmt="yolo")
    assert r.status_code == 400 and "expand" in r.json()["detail"].lower()

