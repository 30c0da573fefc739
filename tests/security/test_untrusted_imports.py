"""Untrusted import files: the web request never parses them (only the zip's central
directory and sizes are checked there), the job parses them in a sandboxed child with
memory/CPU/wall-clock limits, JSON over IMPORT_MAX_JSON_MB and images over
IMPORT_MAX_PIXELS are refused before parsing or decoding, and malformed documents fail the
job with a precise error instead of a 500. Evaluations with malformed selectors are a 400."""
import io
import json
import struct
import zipfile
import zlib

import pytest

from tests.exports.conftest import make_video  # noqa: F401 - fixtures
from webapp.annotations.models import Object
from webapp.exports import views
from webapp.exports.importer import run_import
from webapp.exports.models import Evaluation, ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def annotator(project_with_roles, client_for):
    return client_for(project_with_roles[1]["annotator"])


def post(client, video, data: bytes, fmt: str, name: str):
    f = io.BytesIO(data)
    f.name = name
    return client.post(f"/api/videos/{video.pk}/imports/", {"file": f, "format": fmt},
                       format="multipart")


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def imported(client, video, data: bytes, fmt: str, name: str) -> ImportJob:
    r = post(client, video, data, fmt, name)
    assert r.status_code == 201, r.content
    return run_import(r.json()["id"])


# ---------------------------------------------------------------- not in the request
def test_the_request_never_parses_the_upload(make_video, annotator, monkeypatch):
    """JSON documents and images are opened only in the job's child process."""
    from webapp.exports import archive

    def forbidden(*a, **k):
        raise AssertionError("the web request parsed an untrusted file")

    for method in ("read", "read_json", "stream"):
        monkeypatch.setattr(archive.SafeArchive, method, forbidden)
    video = make_video()
    doc = {"images": [], "annotations": []}
    r = post(annotator, video, zipped({"annotations.json": json.dumps(doc).encode()}),
             "coco", "a.zip")
    assert r.status_code == 201, r.content
    r = post(annotator, video, json.dumps(doc).encode(), "coco", "a.json")
    assert r.status_code == 201, r.content


def test_json_over_the_default_cap_is_refused_before_parsing(make_video, annotator):
    """65 MB of JSON (a few KB zipped) is over the 64 MB default: a 400 from the declared
    size in the zip's directory, without reading it."""
    video = make_video()
    body = b'{"images":[' + b" " * (65 * 1024 * 1024) + b'],"annotations":[]}'
    data = zipped({"annotations.json": body})
    assert len(data) < 200 * 1024
    r = post(annotator, video, data, "coco", "a.zip")
    assert r.status_code == 400
    assert r.json()["detail"] == ("annotations.json is 65 MB of JSON, more than the 64 MB "
                                  "limit (IMPORT_MAX_JSON_MB)")
    assert not ImportJob.objects.exists()


def test_a_bare_json_over_the_cap_is_a_400(make_video, annotator, settings):
    settings.IMPORT_MAX_JSON_MB = 1
    video = make_video()
    r = post(annotator, video, b"{" + b" " * (2 * 1024 * 1024) + b"}", "coco", "a.json")
    assert r.status_code == 400 and "more than the 1 MB limit" in r.json()["detail"]


def _png_header_bomb(width: int, height: int) -> bytes:
    """An 8-bit palette PNG of width x height zeros, compressed as it streams (small)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", b"\0\0\0" * 256) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_a_davis_png_over_the_pixel_limit_is_refused_before_decoding(make_video, annotator):
    """A 400 MiB picture that zips to a few hundred KB: refused from its header."""
    video = make_video(num_frames=2)
    png = _png_header_bomb(20480, 20480)
    data = zipped({"Annotations/walk/00000.png": png})
    assert len(data) < 1024 * 1024
    job = imported(annotator, video, data, "davis", "d.zip")
    assert job.status == "failed"
    assert job.error == ("Annotations/walk/00000.png is 20480x20480 (419430400 pixels), more "
                         "than the limit of 8294400 pixels (IMPORT_MAX_PIXELS)")
    assert not Object.objects.filter(video=video).exists()


def test_the_pixel_limit_is_a_setting(make_video, annotator, settings):
    from tests.exports.test_import_safety import good_davis

    settings.IMPORT_MAX_PIXELS = 1000
    video = make_video()
    job = imported(annotator, video, zipped(good_davis()), "davis", "d.zip")
    assert job.status == "failed" and "more than the limit of 1000 pixels" in job.error


def test_parsing_runs_under_the_memory_limit(make_video, annotator, settings):
    """A document that needs more memory than IMPORT_MAX_MEMORY_MB fails the job with
    that reason; the server process never holds it."""
    settings.IMPORT_MAX_MEMORY_MB = 450
    video = make_video()
    body = b'{"images":[' + b",".join([b"0"] * (20 * 1024 * 1024)) + b'],"annotations":[]}'
    job = imported(annotator, video, zipped({"annotations.json": body}), "coco", "a.zip")
    assert job.status == "failed"
    assert job.error == "reading the upload needed more than 450 MB of memory and was stopped"


def test_a_good_import_still_lands(make_video, annotator):
    from tests.exports.test_import_safety import good_davis

    video = make_video()
    job = imported(annotator, video, zipped(good_davis()), "davis", "d.zip")
    assert job.status == "done", job.error
    assert job.result["objects"] == 1 and job.result["masks"] == 1


# ---------------------------------------------------------------- malformed documents
@pytest.mark.parametrize("fmt,doc,error", [
    ("coco", {"images": [1]}, "a.json: images[0] must be an object, not an integer"),
    ("coco", {"images": [{"id": 1, "width": 64, "height": "x"}]},
     "a.json: image 1 height must be an integer, not 'x'"),
    ("coco", {"images": [{"id": 1, "width": 64, "height": 48, "frame_index": 0}],
              "annotations": [{"id": 1, "image_id": 1, "track_id": [1], "segmentation": []}]},
     "a.json: annotation 1 track_id must be an integer or a string, not a list"),
    ("ytvis", {"videos": {"x": 1}}, "a.json: videos must be a list, not an object"),
    ("ytvis", {"videos": [{"id": 1, "width": 64, "height": 48, "frame_indices": ["a"]}],
               "annotations": []},
     "a.json: video 1 frame_indices[0] must be an integer, not 'a'"),
    ("sav", {"masklet": [], "masklet_num": "x"}, "a.json: masklet_num must be an integer, not 'x'"),
    ("sav", {"masklet": [], "masklet_num": 10**12}, "a.json: masklet_num is out of range"),
    ("sav", {"masklet": [], "annotated_frames": {"a": 1}},
     "a.json: annotated_frames must be a list, not an object"),
])
def test_malformed_documents_fail_the_job_with_a_precise_error(fmt, doc, error, make_video,
                                                               annotator):
    video = make_video()
    job = imported(annotator, video, json.dumps(doc).encode(), fmt, "a.json")
    assert job.status == "failed"
    assert job.error.startswith(error), job.error
    assert "internal error" not in job.error


def test_a_deeply_nested_document_fails_cleanly(make_video, annotator):
    video = make_video()
    job = imported(annotator, video, b'{"images":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                   "coco", "a.json")
    assert job.status == "failed" and "nested too deeply" in job.error


def test_the_import_task_through_submit_never_crashes(make_video, annotator, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    monkeypatch.setattr(views, "submit", lambda task, *a: task.run(*a))
    video = make_video()
    with django_capture_on_commit_callbacks(execute=True):
        r = post(annotator, video, json.dumps({"images": [1]}).encode(), "coco", "a.json")
    assert r.status_code == 201
    job = ImportJob.objects.get(pk=r.json()["id"])
    assert job.status == "failed" and "images[0] must be an object" in job.error


# ---------------------------------------------------------------- evaluations
@pytest.mark.parametrize("selector,message", [
    ({"import": "abc"}, "import must be an integer id, not str 'abc'"),
    ({"import": [1]}, "import must be an integer id, not list [1]"),
    ({"import": 10**30}, "import 1000000000000000000000000000000 is not a valid id"),
    ({"objects": [10**30]}, "object 1000000000000000000000000000000 is not a valid id"),
    ({"objects": [True]}, "objects must be a list of object ids"),
    ({"user": 5}, "user must be a username (a string)"),
])
def test_malformed_evaluation_selectors_are_a_precise_400(selector, message, make_video,
                                                           project_with_roles, client_for):
    video = make_video()
    c = client_for(project_with_roles[1]["annotator"])
    r = c.post(f"/api/videos/{video.pk}/evaluations/",
               {"reference": selector, "candidate": {"user": "admin"}}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["detail"] == message
    assert not Evaluation.objects.exists()


# ---------------------------------------------------------------- MOTS, YOLO and CVAT readers
def _mots_txt(rows: bytes = b"0 1001 1 48 64 PPYo0\n") -> dict:
    return {"instances_txt/0000.txt": rows}


def _yolo() -> dict:
    return {"data.yaml": b"train: images/train\nnames: {0: disc}\n",
            "labels/train/00000.txt": b"0 0.1 0.1 0.5 0.1 0.5 0.5\n"}


def _cvat(body: bytes = b"") -> dict:
    return {"annotations.xml": b'<?xml version="1.0"?><annotations><version>1.1</version>'
            + body + b"</annotations>"}


NEW_READERS = [("mots", _mots_txt), ("yolo", _yolo), ("cvat", _cvat)]


@pytest.mark.parametrize("fmt,entries", NEW_READERS)
@pytest.mark.parametrize("evil", ["../../etc/cron.d/x", "/etc/passwd", "a/../../b.txt"])
def test_zip_slip_is_refused_for_the_new_readers(fmt, entries, evil, make_video, annotator):
    video = make_video()
    r = post(annotator, video, zipped({**entries(), evil: b"x"}), fmt, "x.zip")
    assert r.status_code == 400 and "refused archive entry" in r.json()["detail"]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("fmt,entries", NEW_READERS)
def test_a_zip_bomb_is_refused_for_the_new_readers(fmt, entries, make_video, annotator,
                                                   settings):
    settings.IMPORT_MAX_EXPANDED_MB = 1
    video = make_video()
    name = {"mots": "instances_txt/0001.txt", "yolo": "labels/train/00001.txt",
            "cvat": "more.xml"}[fmt]
    data = zipped({**entries(), name: b"0" * (3 * 1024 * 1024)})
    assert len(data) < 64 * 1024
    r = post(annotator, video, data, fmt, "x.zip")
    assert r.status_code == 400 and "expands to more than 1 MB" in r.json()["detail"]


@pytest.mark.parametrize("fmt,name", [("mots", "instances_txt/0000.txt"),
                                      ("yolo", "labels/train/00000.txt"),
                                      ("cvat", "annotations.xml")])
def test_a_text_document_over_the_document_cap_fails_before_parsing(fmt, name, make_video,
                                                                    annotator, settings):
    """MOTS/YOLO txt and CVAT XML are read under IMPORT_MAX_JSON_MB, like JSON: a 2 MB file
    (a few KB zipped) is refused with a cap of 1 MB, never parsed."""
    settings.IMPORT_MAX_JSON_MB = 1
    video = make_video()
    entries = {"mots": _mots_txt, "yolo": _yolo, "cvat": _cvat}[fmt]()
    entries[name] = entries[name] + b" " * (2 * 1024 * 1024)
    job = imported(annotator, video, zipped(entries), fmt, "x.zip")
    assert job.status == "failed"
    assert job.error == f"{name} is larger than the import limit", job.error
    assert not Object.objects.filter(video=video).exists()


@pytest.mark.parametrize("doc", [
    # Billion laughs: entities that expand exponentially.
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><annotations>&c;'
    b"</annotations>",
    # An external entity (file disclosure), behind 100 KB of comment.
    b'<?xml version="1.0"?><!--' + b"x" * 100_000 + b'--><!DOCTYPE a [<!ENTITY e SYSTEM '
    b'"file:///etc/passwd">]><annotations><meta>&e;</meta></annotations>',
    # An external DTD with no entity in sight.
    b'<?xml version="1.0"?><!--' + b"x" * 100_000 + b'--><!DOCTYPE annotations SYSTEM '
    b'"http://example.com/evil.dtd"><annotations/>',
    # A parameter entity.
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd">%p;]>'
    b"<annotations/>",
])
def test_cvat_xml_with_a_doctype_or_entities_is_refused_wherever_it_stands(doc, make_video,
                                                                           annotator):
    video = make_video()
    job = imported(annotator, video, zipped({"annotations.xml": doc}), "cvat", "x.zip")
    assert job.status == "failed"
    assert job.error == "annotations.xml: a DOCTYPE or entity declaration is not accepted"
    assert not Object.objects.filter(video=video).exists()


def test_a_mots_png_over_the_video_size_is_refused_before_decoding(make_video, annotator):
    """A 144 Mpixel id picture (under Pillow's own bomb guard) that zips small: refused from
    its header (its size is not the video's), never decoded."""
    video = make_video(num_frames=2)
    data = zipped({"instances/0000/000000.png": _png_header_bomb(12000, 12000)})
    assert len(data) < 1024 * 1024
    job = imported(annotator, video, data, "mots", "m.zip")
    assert job.status == "failed"
    assert job.error == ("instances/0000/000000.png: image is 12000x12000 but the video is "
                         "64x48"), job.error
    assert not Object.objects.filter(video=video).exists()


@pytest.mark.parametrize("fmt,entries,error", [
    ("mots", _mots_txt(b"0 1001 1 100000 100000 PPYo0\n"), "mask size"),
    ("mots", _mots_txt(b"0 1001 1 48 64\n"), "instances_txt/0000.txt"),
    ("yolo", {**_yolo(), "labels/train/00000.txt": b"0 nan 0.1 0.5 0.1 0.5 0.5\n"},
     "labels/train/00000.txt"),
    ("yolo", {**_yolo(), "labels/train/00000.txt": b"0 0.1 0.1\n"}, "labels/train/00000.txt"),
    ("cvat", _cvat(b'<track id="0" label="disc"><mask frame="0" outside="0" keyframe="1" '
                   b'rle="999999999" left="0" top="0" width="64" height="48"/></track>'),
     "rle runs must add up"),
])
def test_malformed_rows_of_the_new_readers_fail_the_job_precisely(fmt, entries, error,
                                                                  make_video, annotator):
    video = make_video()
    job = imported(annotator, video, zipped(entries), fmt, "x.zip")
    assert job.status == "failed" and error in job.error, job.error
    assert "internal error" not in job.error
    assert not Object.objects.filter(video=video).exists()
