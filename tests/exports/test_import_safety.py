"""Imports treat uploads as hostile: clear 400s for traversal, links, bombs, too many
files, wrong sizes and frames; nothing is written when an upload is refused."""
import io
import json
import stat
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.exports.conftest import rect
from webapp.annotations.models import Object
from webapp.exports import masks as M
from webapp.exports.models import ImportJob

pytestmark = pytest.mark.django_db


def make_zip(entries: dict[str, bytes], link: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def png(index: np.ndarray) -> bytes:
    h, w = index.shape
    img = Image.frombytes("P", (w, h), index.astype(np.uint8).tobytes())
    img.putpalette(M.DAVIS_PALETTE)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def post(client, video, data: bytes, fmt="davis", name="upload.zip"):
    f = io.BytesIO(data)
    f.name = name
    return client.post(f"/api/videos/{video.pk}/imports/", {"file": f, "format": fmt},
                       format="multipart")


@pytest.fixture
def annotator(project_with_roles, client_for):
    return client_for(project_with_roles[1]["annotator"])


def good_davis() -> dict[str, bytes]:
    index = np.zeros((48, 64), np.uint8)
    index[5:10, 5:10] = 1
    return {"Annotations/walk/00000.png": png(index)}


@pytest.mark.parametrize("evil", ["../../etc/evil.png", "/abs/evil.png", "a\\..\\b.png",
                                  "Annotations/../../x.png", "C:/win.png"])
def test_path_traversal_entries_are_refused(evil, make_video, annotator):
    video = make_video()
    r = post(annotator, video, make_zip({**good_davis(), evil: b"x"}))
    assert r.status_code == 400
    assert "refused archive entry" in r.json()["detail"]
    assert not ImportJob.objects.exists()


def test_symlinks_are_refused(make_video, annotator):
    video = make_video()
    r = post(annotator, video, make_zip(good_davis(), link="Annotations/walk/link.png"))
    assert r.status_code == 400 and "symbolic link" in r.json()["detail"]


def test_too_many_files_are_refused(make_video, annotator, settings):
    settings.IMPORT_MAX_FILES = 5
    video = make_video()
    entries = {f"junk/{i}.txt": b"" for i in range(6)}
    r = post(annotator, video, make_zip(entries))
    assert r.status_code == 400 and "more than the limit of 5" in r.json()["detail"]


def test_a_zip_bomb_is_refused_by_its_expanded_size(make_video, annotator, settings):
    settings.IMPORT_MAX_EXPANDED_MB = 1
    video = make_video()
    data = make_zip({**good_davis(), "bomb.json": b"\0" * (3 * 1024 * 1024)})
    assert len(data) < 64 * 1024  # small on the wire
    r = post(annotator, video, data)
    assert r.status_code == 400 and "expands to more than 1 MB" in r.json()["detail"]


def test_a_forged_size_header_gives_a_clean_error(make_video):
    """Declared sizes are checked up front, and a member is never read past its declared
    size: a forged header ends in a readable error, not an unbounded read."""
    from webapp.exports.archive import ArchiveError, SafeArchive

    buf = io.BytesIO(make_zip({"annotations.json": b"[" + b" " * 100_000 + b"]"}))
    archive = SafeArchive(buf, "x.zip")
    archive.members["annotations.json"].file_size = 10  # forge the declared size
    with pytest.raises(ArchiveError):
        archive.read_json("annotations.json")


def test_not_a_zip_is_a_clear_400(make_video, annotator):
    r = post(annotator, make_video(), b"\x89PNG not a zip", name="x.zip")
    assert r.status_code == 400 and "neither a zip archive nor a JSON" in r.json()["detail"]


def test_a_mask_of_the_wrong_size_is_refused(make_video, annotator):
    video = make_video()
    r = post(annotator, video, make_zip({"Annotations/walk/00000.png": png(np.ones((10, 10)))}))
    # PNGs are opened in the background job: the job fails with the reason.
    assert r.status_code == 201
    from webapp.exports.importer import run_import

    job = run_import(r.json()["id"])
    assert job.status == "failed" and "10x10 but the video is 64x48" in job.error
    assert not Object.objects.filter(video=video).exists()


def test_a_frame_past_the_end_fails_the_job_and_writes_nothing(make_video, annotator,
                                                                django_capture_on_commit_callbacks,
                                                                monkeypatch):
    from webapp.exports import views

    monkeypatch.setattr(views, "submit", lambda task, *a: task.run(*a))
    video = make_video(num_frames=3)
    index = np.zeros((48, 64), np.uint8)
    index[1:4, 1:4] = 1
    entries = {"Annotations/walk/00000.png": png(index), "Annotations/walk/00007.png": png(index)}
    with django_capture_on_commit_callbacks(execute=True):
        r = post(annotator, video, make_zip(entries))
    assert r.status_code == 201
    job = ImportJob.objects.get(pk=r.json()["id"])
    assert job.status == "failed"
    assert "frame 7 is outside the video's 3 frames" in job.error
    assert not Object.objects.filter(video=video).exists()  # all or nothing


def test_ytvis_of_another_size_fails_the_job_with_the_sizes(make_video, annotator):
    # The JSON is parsed in the job's sandboxed child, never in the request (issue 12).
    from webapp.exports.importer import run_import

    video = make_video()
    doc = {"videos": [{"id": 1, "width": 32, "height": 32, "file_names": ["v/00000.jpg"]}],
           "categories": [], "annotations": []}
    r = post(annotator, video, json.dumps(doc).encode(), fmt="ytvis", name="a.json")
    assert r.status_code == 201
    job = run_import(r.json()["id"])
    assert job.status == "failed" and "32x32" in job.error


def test_coco_polygons_and_uncompressed_rle_are_accepted(make_video, annotator,
                                                         django_capture_on_commit_callbacks,
                                                         monkeypatch):
    from webapp.exports import views

    monkeypatch.setattr(views, "submit", lambda task, *a: task.run(*a))
    video = make_video(num_frames=3)
    m = rect(48, 64, 10, 10, 20, 30)
    uncompressed = {"size": [48, 64], "counts": []}
    flat = np.asfortranarray(m).flatten(order="F")
    runs, cur, n = [], 0, 0
    for v in flat:
        if v != cur:
            runs.append(n)
            cur, n = v, 0
        n += 1
    runs.append(n)
    uncompressed["counts"] = runs
    doc = {
        "images": [{"id": 1, "file_name": "x/00001.jpg", "width": 64, "height": 48},
                   {"id": 2, "file_name": "x/00002.jpg", "width": 64, "height": 48}],
        "categories": [{"id": 7, "name": "box"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 7, "track_id": 5,
             "segmentation": [[10, 10, 20, 10, 20, 30, 10, 30]]},
            {"id": 2, "image_id": 2, "category_id": 7, "track_id": 5,
             "segmentation": uncompressed},
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = post(annotator, video, json.dumps(doc).encode(), fmt="coco", name="coco.json")
    assert r.status_code == 201, r.json()
    job = ImportJob.objects.get(pk=r.json()["id"])
    assert job.status == "done", job.error
    (obj,) = Object.objects.filter(video=video)
    assert obj.label.name == "box"
    masks = {fm.frame: M.decode(fm.rle) for fm in obj.masks.all()}
    assert set(masks) == {1, 2}  # frames from the file names
    assert (masks[2] == m).all()
    assert masks[1][15, 15] == 1 and masks[1][40, 40] == 0


def test_import_needs_annotate_rights(make_video, project_with_roles, client_for):
    video = make_video()
    users = project_with_roles[1]
    assert post(client_for(users["reviewer"]), video, make_zip(good_davis())).status_code == 403
    assert post(client_for(users["viewer"]), video, make_zip(good_davis())).status_code == 403
    assert post(client_for(users["outsider"]), video, make_zip(good_davis())).status_code == 404
