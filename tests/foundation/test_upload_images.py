"""Image uploads: a zip of JPEG/PNG frames (natural order, DAVIS/SA-V layouts, names kept)
or one JPEG/PNG becomes a video of pictures in the same frame store; bad and hostile
archives get a precise 400 from the sandboxed probe, never a 5xx."""
import io
import stat
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.conftest import wait_for
from webapp.videos.images import natural_key
from webapp.videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)

COLORS = [(250, 0, 0), (0, 250, 0), (0, 0, 250), (250, 250, 0), (0, 250, 250), (250, 0, 250)]


def _image(size=(32, 24), color=(200, 10, 10), fmt="PNG", **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt, **save)
    return buf.getvalue()


def _zip(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """entries: [(name, bytes)] or [(ZipInfo, bytes)]."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def _upload(client, project, data: bytes, name: str, **fields):
    f = io.BytesIO(data)
    f.name = name
    return client.post(f"/api/projects/{project.pk}/videos/", {"file": f, **fields},
                       format="multipart")


def _ready(client, vid):
    def done():
        body = client.get(f"/api/videos/{vid}/").json()
        return body if body["status"] != "processing" else None

    return wait_for(done, timeout=60)


def _frame(client, vid, n) -> np.ndarray:
    resp = client.get(f"/api/videos/{vid}/frames/{n}.jpg")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    return np.asarray(Image.open(io.BytesIO(resp.content)).convert("RGB")).astype(int)


def _refused(resp, *needles):
    assert resp.status_code == 400, (resp.status_code, resp.content)
    detail = resp.json()["detail"]
    for needle in needles:
        assert needle in detail, detail
    assert not Video.objects.exists()
    return detail


@pytest.fixture
def owner(project_with_roles, client_for):
    project, users = project_with_roles
    return project, client_for(users["owner"])


def test_natural_order_puts_frame2_before_frame10():
    names = ["f10.png", "f2.png", "F1.png", "a/f3.png", "f02b.png"]
    assert sorted(names, key=natural_key) == ["a/f3.png", "F1.png", "f2.png", "f02b.png", "f10.png"]


def test_a_zip_of_frames_ingests_in_natural_order_with_names_kept(owner):
    project, c = owner
    color = {1: COLORS[0], 2: COLORS[1], 10: COLORS[2]}
    entries = [(f"shots/frame{i}.png", _image(color=color[i])) for i in (10, 2, 1)]
    entries += [("__MACOSX/shots/._frame1.png", b"\0\5\26\7junk"), ("shots/.DS_Store", b"x"),
                ("shots/readme.txt", b"not a frame")]
    resp = _upload(c, project, _zip(entries), "shots.zip", fps="12.5")
    assert resp.status_code == 201, resp.content
    video = _ready(c, resp.json()["id"])
    assert video["status"] == "ready", video
    assert (video["num_frames"], video["width"], video["height"]) == (3, 32, 24)
    assert video["fps"] == 12.5 and video["duration"] == pytest.approx(3 / 12.5)
    for n, i in enumerate((1, 2, 10)):  # frame1 < frame2 < frame10
        assert np.abs(_frame(c, video["id"], n)[12, 16] - color[i]).max() < 12
    v = Video.objects.get(pk=video["id"])
    assert v.source_kind == "image_sequence"
    assert v.frame_names == ["frame1.png", "frame2.png", "frame10.png"]
    assert [v.frame_stem(i) for i in range(3)] == ["frame1", "frame2", "frame10"]
    assert v.timestamps == [0.0, 0.08, 0.16]
    detail = c.get(f"/api/videos/{v.pk}/").json()
    assert detail["source_kind"] == "image_sequence" and detail["frame_names"][2] == "frame10.png"
    assert c.get(f"/api/videos/{v.pk}/frames/3.jpg").status_code == 404


def test_the_davis_layout_takes_the_jpegimages_and_keeps_their_names(owner):
    project, c = owner
    entries = []
    for i in range(3):
        entries.append((f"DAVIS/JPEGImages/480p/bear/{i:05d}.jpg",
                        _image((40, 30), COLORS[i], "JPEG", quality=95)))
        entries.append((f"DAVIS/Annotations/480p/bear/{i:05d}.png",
                        _image((40, 30), (1, 1, 1))))  # labels, not frames
    resp = _upload(c, project, _zip(entries, zipfile.ZIP_STORED), "bear.zip")
    assert resp.status_code == 201, resp.content
    video = _ready(c, resp.json()["id"])
    assert (video["status"], video["num_frames"], video["fps"]) == ("ready", 3, 24)
    v = Video.objects.get(pk=video["id"])
    assert v.frame_names == ["00000.jpg", "00001.jpg", "00002.jpg"]
    assert v.frame_stem(2) == "00002"
    assert np.abs(_frame(c, v.pk, 1)[15, 20] - COLORS[1]).max() < 12


def test_the_sav_layout_works_as_it_is(owner):
    project, c = owner
    entries = [(f"JPEGImages/sav_000001/{i:05d}.jpg", _image((40, 30), COLORS[i // 4], "JPEG"))
               for i in (0, 4, 8)]
    video = _ready(c, _upload(c, project, _zip(entries), "sav_000001.zip").json()["id"])
    assert video["num_frames"] == 3
    assert Video.objects.get(pk=video["id"]).frame_stem(1) == "00004"


def test_clashing_stems_fall_back_to_numbered_names(owner):
    project, c = owner
    entries = [("a/x.png", _image()), ("b/x.png", _image()), ("b/y.jpg", _image(fmt="JPEG")),
               ("b/y.png", _image())]
    video = _ready(c, _upload(c, project, _zip(entries), "two.zip").json()["id"])
    v = Video.objects.get(pk=video["id"])
    assert v.frame_names == ["a/x.png", "b/x.png", "b/y.jpg", "b/y.png"]
    # a/x and b/x differ as paths, but b/y.jpg and b/y.png would both be "b_y".
    assert [v.frame_stem(i) for i in range(4)] == ["00000", "00001", "00002", "00003"]


def test_a_video_numbers_its_frames():
    assert Video(frame_names=[]).frame_stem(7) == "00007"
    v = Video(frame_names=["a.png", "b.png"])
    assert (v.frame_stem(1), v.frame_stem(2)) == ("b", "00002")


def test_a_single_jpeg_is_a_one_frame_item_with_exif_orientation_applied(owner):
    project, c = owner
    img = Image.new("RGB", (40, 20), (250, 0, 0))
    img.paste((0, 0, 250), (0, 0, 20, 20))  # left half blue, right half red
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95, exif=exif.tobytes())
    resp = _upload(c, project, buf.getvalue(), "photo.jpg", fps="5")
    assert resp.status_code == 201, resp.content
    video = _ready(c, resp.json()["id"])
    assert (video["status"], video["num_frames"]) == ("ready", 1)
    assert (video["width"], video["height"], video["fps"]) == (20, 40, 5)
    frame = _frame(c, video["id"], 0)
    assert frame.shape == (40, 20, 3)
    # Turned clockwise, the left (blue) half is on top.
    assert frame[5, 10, 2] > 200 and frame[35, 10, 0] > 200
    v = Video.objects.get(pk=video["id"])
    assert (v.source_kind, v.frame_names, v.frame_stem(0)) == ("image", ["photo.jpg"], "photo")


def test_a_single_png_with_alpha_and_a_16_bit_png_ingest(owner):
    project, c = owner
    buf = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 200, 0, 128)).save(buf, format="PNG")
    video = _ready(c, _upload(c, project, buf.getvalue(), "alpha.png").json()["id"])
    assert (video["status"], video["width"], video["height"], video["fps"]) == ("ready", 30, 20, 24)
    buf = io.BytesIO()
    Image.fromarray(np.full((20, 30), 65535 // 2, dtype=np.uint16)).save(buf, format="PNG")
    video = _ready(c, _upload(c, project, buf.getvalue(), "depth.png").json()["id"])
    assert video["status"] == "ready", video
    assert abs(_frame(c, video["id"], 0)[10, 10, 0] - 127) < 6


@pytest.mark.parametrize("fps", ["0", "-3", "abc", "nan", "inf", "1e9"])
def test_a_bad_fps_is_a_400(owner, fps):
    project, c = owner
    _refused(_upload(c, project, _image(), "a.png", fps=fps), "fps")


def test_mixed_sizes_name_the_frame(owner):
    project, c = owner
    entries = [(f"s/{i:02d}.png", _image((32, 24))) for i in range(12)]
    entries.append(("s/b.png", _image((64, 48))))
    _refused(_upload(c, project, _zip(entries), "mixed.zip"),
             "frame 12 (b.png) is 64x48, the first is 32x24")


def test_a_zip_with_no_images_is_a_400(owner):
    project, c = owner
    _refused(_upload(c, project, _zip([("notes.txt", b"hi"), ("__MACOSX/._a.png", b"x")]),
                     "notes.zip"), "no JPEG or PNG images", "notes.txt")
    _refused(_upload(c, project, _zip([]), "empty.zip"), "no JPEG or PNG images")


def test_more_frames_than_the_limit_is_a_400(owner, settings):
    settings.INGEST_MAX_FRAMES = 3
    project, c = owner
    entries = [(f"{i}.png", _image()) for i in range(5)]
    _refused(_upload(c, project, _zip(entries), "long.zip"),
             "5 images, more than the limit of 3 frames")


def test_images_over_the_resolution_limit_are_a_400(owner, settings):
    settings.INGEST_MAX_WIDTH, settings.INGEST_MAX_HEIGHT = 100, 80
    project, c = owner
    _refused(_upload(c, project, _image((120, 60)), "wide.png"),
             "frame 0 (", "is 120x60, over the 100x80 limit")
    entries = [("0.png", _image((50, 40))), ("1.png", _image((50, 40))),
               ("2.png", _image((50, 200)))]
    _refused(_upload(c, project, _zip(entries), "tall.zip"), "frame 2 (2.png) is 50x200, over")


def test_an_unreadable_image_in_a_zip_names_it(owner):
    project, c = owner
    entries = [("0.png", _image()), ("1.jpg", b"\xff\xd8\xff\xe0 this is no jpeg at all")]
    _refused(_upload(c, project, _zip(entries), "bad.zip"),
             "frame 1 (1.jpg) is not a readable JPEG or PNG image")


def test_a_frame_damaged_past_its_header_fails_the_item_naming_the_frame(owner):
    """The probe reads headers (not pixels), so this one is found while decoding: the item
    fails with the frame's name instead of a crash."""
    project, c = owner
    noisy = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, format="PNG")
    cut = buf.getvalue()[: len(buf.getvalue()) // 2]
    resp = _upload(c, project, _zip([("0.png", _image((64, 48))), ("1.png", cut)]), "cut.zip")
    assert resp.status_code == 201, resp.content
    video = _ready(c, resp.json()["id"])
    assert video["status"] == "failed"
    assert video["error"].startswith("frame 1 (1.png) cannot be decoded"), video["error"]


@pytest.mark.parametrize("name,needle", [
    ("../evil.png", "path traversal"),
    ("a/../../evil.png", "path traversal"),
    ("/etc/evil.png", "absolute"),
])
def test_zip_slip_names_are_refused(owner, name, needle):
    project, c = owner
    _refused(_upload(c, project, _zip([("ok.png", _image()), (name, _image())]), "slip.zip"),
             needle)


def test_symlink_entries_are_refused(owner):
    project, c = owner
    link = zipfile.ZipInfo("frames/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(_upload(c, project, _zip([("frames/0.png", _image()), (link, b"/etc/passwd")]),
                     "link.zip"), "symbolic link")


def test_encrypted_entries_are_refused(owner):
    project, c = owner
    data = bytearray(_zip([("0.png", _image())], zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit in the local header and in the central directory.
    data[6] |= 1
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 1
    _refused(_upload(c, project, bytes(data), "locked.zip"), "encrypted")


def test_too_many_entries_are_refused_from_the_directory(owner, settings):
    settings.INGEST_ZIP_MAX_ENTRIES = 5
    project, c = owner
    entries = [("0.png", _image())] + [(f"junk/{i}.txt", b"") for i in range(9)]
    _refused(_upload(c, project, _zip(entries), "many.zip"),
             "10 entries, more than the limit of 5")


def test_a_bomb_by_declared_size_is_refused_unread(owner, settings):
    settings.INGEST_ZIP_MAX_EXPANDED_MB = 1
    project, c = owner
    entries = [("0.png", _image()), ("zeros.bin", b"\0" * (3 << 20))]  # 3 MB deflates to ~3 KB
    _refused(_upload(c, project, _zip(entries), "bomb.zip"), "expands to more than 1 MB")


def test_an_image_entry_too_big_for_the_resolution_limit_is_refused_unread(owner, settings):
    settings.INGEST_MAX_WIDTH, settings.INGEST_MAX_HEIGHT = 64, 64  # ~16 MB is the most
    project, c = owner
    entries = [("0.png", _image()), ("1.png", b"\0" * (20 << 20))]
    _refused(_upload(c, project, _zip(entries), "fat.zip"),
             "frame 1 (1.png) declares 20.0 MB, more than an image within the 64x64 limit")


def test_a_bomb_by_actual_size_is_refused(owner):
    """An entry whose directory says it is small but which inflates to more: zipfile stops
    at the declared size, and the CRC then fails; the probe reads every entry to its end."""
    project, c = owner
    big = _image((256, 256))
    data = bytearray(_zip([("0.png", _image()), ("1.png", big)]))
    declared = 200  # the header (and its size) lies in the first 200 bytes
    local = data.find(b"PK\x03\x04", 1)
    data[local + 22:local + 26] = struct.pack("<I", declared)
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = struct.pack("<I", declared)
    detail = _refused(_upload(c, project, bytes(data), "liar.zip"),
                      "frame 1 (1.png) cannot be read from the zip")
    assert "expands to more than it declares" in detail


def test_other_still_images_are_still_refused(owner):
    project, c = owner
    _refused(_upload(c, project, _image(fmt="BMP"), "photo.mp4"), "still image")
