"""CVAT for video 1.1 XML import, written against CVAT's documented XML (cvat docs,
"CVAT for video" format: <track id label> holding per-frame <polygon points="x,y;...">
and <mask rle left top width height> with outside/keyframe flags; <image> shapes of
CVAT for images 1.1): tracks become masklets, polygons and masks become masks."""
import numpy as np
import pytest

from tests.exports.conftest import stored_masks
from tests.exports.test_import_safety import make_zip
from tests.exports.test_roundtrip import import_into
from webapp.annotations.models import Object

pytestmark = pytest.mark.django_db


def cvat_rle(mask: np.ndarray) -> tuple[str, int, int, int, int]:
    """CVAT's mask RLE over the mask's box: row-major runs, background first."""
    ys, xs = np.nonzero(mask)
    top, left, bottom, right = ys.min(), xs.min(), ys.max() + 1, xs.max() + 1
    flat = mask[top:bottom, left:right].ravel()
    runs, cur, n = [], 0, 0
    for v in flat:
        if v != cur:
            runs.append(n)
            cur, n = v, 0
        n += 1
    runs.append(n)
    return ",".join(map(str, runs)), left, top, right - left, bottom - top


def xml(body: str, w=64, h=48) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><size>4</size><original_size><width>{w}</width><height>{h}</height>
  </original_size><labels><label><name>disc</name></label><label><name>box</name></label>
  </labels></task></meta>
{body}
</annotations>""".encode()


def test_tracks_with_polygons_and_masks_become_masklets(make_video):
    video = make_video(num_frames=4)
    ring = np.zeros((48, 64), np.uint8)
    ring[10:30, 30:50] = 1
    ring[15:25, 35:45] = 0  # a hole: masks keep it
    rle, left, top, bw, bh = cvat_rle(ring)
    body = f"""
  <track id="0" label="box" source="manual">
    <polygon frame="0" outside="0" occluded="0" keyframe="1" points="0,0;10,0;10,10;0,10" z_order="0"/>
    <polygon frame="1" outside="0" occluded="0" keyframe="0" points="2,0;12,0;12,10;2,10" z_order="0"/>
    <polygon frame="2" outside="1" occluded="0" keyframe="1" points="2,0;12,0;12,10;2,10" z_order="0"/>
  </track>
  <track id="3" label="disc" source="semi-auto">
    <mask frame="1" outside="0" occluded="0" keyframe="1" rle="{rle}" left="{left}" top="{top}" width="{bw}" height="{bh}" z_order="0"/>
    <box frame="2" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"/>
  </track>"""
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml(body)}))
    assert job.status == "done", job.error
    assert job.result["objects"] == 2 and job.result["masks"] == 3
    objs = list(Object.objects.filter(video=video).order_by("id"))
    assert [(o.name, o.label.name) for o in objs] == [("box 0", "box"), ("disc 3", "disc")]
    got = stored_masks(video)
    assert got[(1, 0)].sum() == 11 * 11  # pixel corners 0..10 filled inclusively
    assert (got[(2, 1)] == ring).all()
    assert (2, 2) not in got and (1, 2) not in got  # outside; a box is no mask


def test_image_shapes_each_become_a_masklet(make_video):
    video = make_video(num_frames=2)
    body = """
  <image id="1" name="frame_000001.png" width="64" height="48">
    <polygon label="box" occluded="0" points="0,0;5,0;5,5;0,5" z_order="0"/>
    <polygon label="disc" occluded="0" points="20,20;30,20;30,30" z_order="0"/>
  </image>"""
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml(body)}))
    assert job.status == "done", job.error
    assert job.result["objects"] == 2 and job.result["frames"] == 1


@pytest.mark.parametrize("body,message", [
    ('<track id="0" label="box"><polygon frame="9" outside="0" points="0,0;5,0;5,5"/></track>',
     "outside the video"),
    ('<track id="0" label="box"><polygon frame="0" outside="0" points="0,0;5,0"/></track>',
     "3 or more"),
    ('<track id="0" label="box"><polygon frame="0" outside="0" points="a,b;c,d;e,f"/></track>',
     "points"),
    ('<track id="0" label="box"><mask frame="0" outside="0" rle="1,2" left="0" top="0" '
     'width="4" height="4"/></track>', "add up"),
    ('<track id="0" label="box"><mask frame="0" outside="0" rle="16" left="62" top="0" '
     'width="4" height="4"/></track>', "outside the"),
])
def test_malformed_shapes_fail_the_job_with_a_reason(make_video, body, message):
    video = make_video(num_frames=2)
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml(body)}))
    assert job.status == "failed" and message in job.error, job.error
    assert not Object.objects.filter(video=video).exists()


def test_hostile_xml_is_refused(make_video):
    video = make_video(num_frames=2)
    bomb = b"""<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><annotations>&b;</annotations>"""
    job = import_into(video, "cvat", make_zip({"annotations.xml": bomb}))
    assert job.status == "failed" and "DOCTYPE" in job.error
    job = import_into(video, "cvat", make_zip({"annotations.xml": b"<annotations><track"}))
    assert job.status == "failed" and "well-formed" in job.error
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml("", w=640, h=480)}))
    assert job.status == "failed" and "640x480" in job.error


def test_a_cvat_task_of_the_right_size_and_no_masks_imports_nothing(make_video):
    video = make_video(num_frames=2)
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml(
        '<track id="0" label="box"><box frame="0" outside="0" xtl="1" ytl="1" xbr="4" '
        'ybr="4"/></track>')}))
    assert job.status == "done" and job.result["objects"] == 0


def test_shapes_without_a_mask_are_skipped_and_reported(make_video):
    video = make_video(num_frames=3)
    body = """
  <track id="0" label="box" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"/>
  </track>
  <track id="1" label="disc" source="manual">
    <polygon frame="0" outside="0" occluded="0" keyframe="1" points="0,0;10,0;10,10;0,10" z_order="0"/>
  </track>
  <image id="1" name="frame_000001.png" width="64" height="48">
    <polyline label="box" occluded="0" points="0,0;5,0;5,5" z_order="0"/>
    <points label="box" occluded="0" points="1,1" z_order="0"/>
    <points label="box" occluded="0" points="2,2" z_order="0"/>
  </image>"""
    job = import_into(video, "cvat", make_zip({"annotations.xml": xml(body)}))
    assert job.status == "done", job.error
    assert job.result["objects"] == 1
    assert job.result["warnings"] == [
        "shapes without a mask were skipped (only polygons and masks import): "
        "1 box track, 2 points, 1 polyline"], job.result["warnings"]


def test_a_reader_notes_the_videos_it_leaves_out():
    from webapp.exports.formats.reader import Reader

    r = Reader(video=None)
    assert r.choose(["b", "a", "copy"], "copy") == "copy"
    assert r.notes == ["the archive holds 3 videos; imported 'copy', left out a, b"]
    assert Reader(None).choose(["only"]) == "only"
