"""Image uploads keep their pictures' names: DAVIS and YouTube-VIS exports name frames with
Video.frame_stem, and the DAVIS import maps those names back to frames (meta.json)."""
import json

import pytest

from tests.exports.conftest import export_zip, rect, stored_masks
from tests.exports.test_roundtrip import import_into, zip_bytes
from tests.exports.test_import_safety import make_zip, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictures(make_video, add_object):
    video = make_video(num_frames=3)
    video.frame_names = ["shot_b.png", "shot_a.png", "shot_c.png"]  # upload order kept
    video.save(update_fields=["frame_names"])
    add_object(video, {0: rect(48, 64, 0, 0, 10, 10), 2: rect(48, 64, 5, 5, 20, 20)}, "disc")
    return video


def test_davis_and_ytvis_name_frames_after_the_pictures(pictures):
    z = export_zip(pictures, "davis")
    names = set(z.namelist())
    assert {"Annotations/walk/shot_b.png", "JPEGImages/walk/shot_c.jpg"} <= names
    meta = json.loads(z.read("meta.json"))["videos"]["walk"]
    assert meta["frame_indices"] == {"shot_b": 0, "shot_a": 1, "shot_c": 2}
    assert meta["objects"]["1"]["frames"] == ["shot_b", "shot_c"]
    doc = json.loads(export_zip(pictures, "ytvis").read("annotations.json"))
    assert doc["videos"][0]["file_names"] == ["walk/shot_b.jpg", "walk/shot_a.jpg",
                                              "walk/shot_c.jpg"]


def test_davis_round_trips_with_picture_names(pictures, make_video):
    target = make_video(num_frames=3, name="copy.mp4")
    job = import_into(target, "davis", zip_bytes(export_zip(pictures, "davis",
                                                           include_frames=False)))
    assert job.status == "done", job.error
    a, b = stored_masks(pictures), stored_masks(target)
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)


def test_a_davis_mask_whose_name_is_no_frame_is_refused(make_video):
    import numpy as np

    video = make_video(num_frames=3)
    index = np.zeros((48, 64), np.uint8)
    index[:5, :5] = 1
    job = import_into(video, "davis", make_zip({"Annotations/walk/cover.png": png(index)}))
    assert job.status == "failed" and "cannot tell which frame" in job.error
