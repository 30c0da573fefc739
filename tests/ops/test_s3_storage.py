"""Object storage: with S3_BUCKET set, videos, frames, export zips and import uploads live in an
S3 bucket (here moto's server mode, started by the test on a free loopback port). Upload,
ingest, frame serving, a click, export download and import all work, and a non-member never
gets a frame or a zip, whatever URL they try. The app streams objects after its own permission
check; no bucket URL (signed or not) ever reaches a client."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage

from tests.conftest import wait_for
from webapp.videos.synthetic import write_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]
KEY, SECRET = "maskflow-test", "maskflow-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    moto = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                assert proc.poll() is None, "moto_server exited"
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    name = f"mf-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id=KEY,
                      aws_secret_access_key=SECRET, region_name="us-east-1",
                      config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": name, "endpoint_url": s3_server, "access_key": KEY,
            "secret_key": SECRET, "region_name": "us-east-1", "default_acl": None,
            "querystring_auth": True, "file_overwrite": False}},
    }
    settings.FRAME_CACHE_DIR = tmp_path / "frame-cache"
    from django.core.files.storage import storages

    assert type(storages["default"]).__name__ == "S3Storage"

    def keys(prefix=""):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    keys.acl = lambda key: s3.get_object_acl(Bucket=name, Key=key)["Grants"]
    yield keys


def _upload(client, project, path):
    with open(path, "rb") as f:
        resp = client.post(f"/api/projects/{project.pk}/videos/", {"file": f},
                           format="multipart")
    assert resp.status_code == 201, resp.content
    vid = resp.json()["id"]
    return wait_for(lambda: (lambda b: b if b["status"] in ("ready", "failed") else None)(
        client.get(f"/api/videos/{vid}/").json()), timeout=120)


def test_everything_lives_in_the_bucket_and_only_members_get_it(bucket, project_with_roles,
                                                                 client_for, make_user,
                                                                 tmp_path):
    assert type(default_storage._wrapped).__name__ == "S3Storage" or \
        default_storage.exists("frames/") is False  # (lazy until first used)
    project, users = project_with_roles
    owner = client_for(users["owner"])
    stranger = client_for(make_user("stranger"))
    anonymous = client_for(None)

    # upload + ingest: the original and every frame are objects in the bucket, none on disk
    clip = write_video(tmp_path / "clip.mp4", num_frames=12, width=160, height=120)
    video = _upload(owner, project, clip)
    assert video["status"] == "ready", video
    vid = video["id"]
    frames = bucket(f"frames/{vid}/")
    assert len(frames) == 12
    # private objects: only the owner is granted anything (no AllUsers/AuthenticatedUsers)
    grants = bucket.acl(frames[0])
    assert grants and all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants), grants
    assert any(k.startswith("uploads/") and k.endswith(".mp4") for k in bucket())
    from django.conf import settings

    assert not (Path(settings.MEDIA_ROOT) / "frames").exists()

    # frames: streamed by the app with cache headers, after the permission check
    resp = owner.get(f"/api/videos/{vid}/frames/3.jpg")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert resp.content[:2] == b"\xff\xd8"
    assert "immutable" in resp["Cache-Control"] and resp["ETag"]
    cached = list(Path(settings.FRAME_CACHE_DIR).glob("*/000003.jpg"))
    assert len(cached) == 1 and cached[0].read_bytes() == resp.content
    assert owner.get(f"/api/videos/{vid}/frames/3.jpg").content == resp.content  # from cache
    for who in (stranger, anonymous):
        for n in (0, 3, 11):
            r = who.get(f"/api/videos/{vid}/frames/{n}.jpg")
            assert r.status_code in (401, 403, 404), (n, r.status_code)
            assert b"\xff\xd8" not in r.content[:4] and "Location" not in r
    assert owner.get(f"/api/videos/{vid}/frames/12.jpg").status_code == 404

    # export: the zip is written to the bucket and downloaded through the app
    r = owner.post(f"/api/videos/{vid}/exports/", {"format": "davis"}, format="json")
    assert r.status_code in (201, 202), r.content
    job = r.json()["id"]
    done = wait_for(lambda: (lambda b: b if b["status"] in ("done", "failed") else None)(
        owner.get(f"/api/exports/{job}/").json()), timeout=120)
    assert done["status"] == "done", done
    zips = [k for k in bucket("exports/") if k.endswith(".zip")]
    assert len(zips) == 1
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in bucket.acl(zips[0]))
    got = owner.get(f"/api/exports/{job}/download/")
    assert got.status_code == 200 and "Location" not in got
    data = b"".join(got.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    for who in (stranger, anonymous):
        for url in (f"/api/exports/{job}/download/", f"/api/exports/{job}/"):
            r = who.get(url)
            assert r.status_code in (401, 403, 404), (url, r.status_code)
            assert not getattr(r, "streaming", False)

    # import: the upload goes to the bucket, the worker reads it back, masks appear
    import numpy as np

    from tests.exports.test_import_safety import png

    index = np.zeros((120, 160), np.uint8)
    index[20:60, 30:90] = 1
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Annotations/walk/00000.png", png(index))
    buf.seek(0)
    buf.name = "davis.zip"
    r = owner.post(f"/api/videos/{vid}/imports/", {"file": buf, "format": "davis"},
                   format="multipart")
    assert r.status_code in (201, 202), r.content
    imp = r.json()["id"]
    res = wait_for(lambda: (lambda b: b if b["status"] in ("done", "failed") else None)(
        owner.get(f"/api/imports/{imp}/").json()), timeout=120)
    assert res["status"] == "done", res.get("error")
    objects = owner.get(f"/api/videos/{vid}/objects/").json()
    objects = objects["results"] if isinstance(objects, dict) else objects
    assert objects, "the import created no object"

    # deleting the video empties its part of the bucket
    assert owner.delete(f"/api/videos/{vid}/").status_code == 204
    wait_for(lambda: not bucket(f"frames/{vid}/"), timeout=30)


async def test_a_click_reads_its_frames_from_the_bucket(bucket, project_with_roles, settings):
    from channels.db import database_sync_to_async

    from tests.realtime.conftest import make_ready_video
    from tests.realtime.test_consumer import connect, prompted_object
    from webapp.realtime import dispatch

    project, users = project_with_roles
    video = await database_sync_to_async(make_ready_video)(project, num_frames=6)
    assert len(bucket(f"frames/{video.pk}/")) == 6
    comm, _ = await connect(users["owner"], video)
    try:
        await prompted_object(comm, video)
    finally:
        await comm.disconnect()
        if dispatch._thread is not None:
            await database_sync_to_async(dispatch._thread.drain)(60)
    # the inference thread fetched the frames through the local cache
    assert list(Path(settings.FRAME_CACHE_DIR).glob(f"{video.pk}-*/000000.jpg"))


def test_the_frame_cache_keeps_under_its_cap(bucket, settings):
    from webapp.videos import frame_cache

    settings.FRAME_CACHE_MB = 1
    root = Path(settings.FRAME_CACHE_DIR)
    for i in range(30):
        d = root / f"{i}-0"
        d.mkdir(parents=True)
        (d / "000000.jpg").write_bytes(b"x" * 100_000)
        old = time.time() - 1000 + i
        os.utime(d / "000000.jpg", (old, old))
    left = frame_cache.sweep(root)
    assert left <= 0.8 * (1 << 20)
    assert not (root / "0-0" / "000000.jpg").exists()  # the oldest went first
    assert (root / "29-0" / "000000.jpg").exists()
