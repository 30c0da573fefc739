"""Export → import → export keeps the masks identical for every format that carries them
losslessly (davis and mots need disjoint masks; yolo polygons are not lossless)."""
import io
import json

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pycocotools import mask as mask_utils

from tests.exports.conftest import export_zip, stored_masks
from webapp.annotations.models import FrameMask, Object
from webapp.exports.importer import run_import
from webapp.exports.models import ImportJob

pytestmark = pytest.mark.django_db


def zip_bytes(z) -> bytes:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as out:
        for name in z.namelist():
            out.writestr(name, z.read(name))
    return buf.getvalue()


def import_into(video, fmt, data: bytes, filename="upload.zip"):
    job = ImportJob.objects.create(project=video.project, video=video, format=fmt,
                                   filename=filename)
    job.upload = default_storage.save(f"imports/{job.pk}/{filename}", ContentFile(data))
    job.save()
    return run_import(job.pk)


def masks_by_reader(fmt, z) -> dict:
    """{(track position, frame): mask} read from an export with the reference readers."""
    out = {}
    if fmt == "davis":
        for name in sorted(n for n in z.namelist() if n.startswith("Annotations/")):
            frame = int(name.rsplit("/", 1)[1][:-4])
            index = np.asarray(Image.open(io.BytesIO(z.read(name))))
            for n in np.unique(index):
                if n:
                    out[(int(n), frame)] = (index == n).astype(np.uint8)
    elif fmt in ("ytvis", "coco"):
        doc = json.loads(z.read("annotations.json" if fmt == "ytvis"
                                else "annotations/instances_default.json"))
        if fmt == "ytvis":
            frames = doc["videos"][0]["frame_indices"]
            for pos, a in enumerate(doc["annotations"], start=1):
                for f, seg in zip(frames, a["segmentations"]):
                    if seg:
                        out[(pos, f)] = mask_utils.decode({**seg, "counts": seg["counts"].encode()})
        else:
            order = {t: i for i, t in enumerate(sorted({a["track_id"] for a in doc["annotations"]}), 1)}
            for a in doc["annotations"]:
                seg = a["segmentation"]
                out[(order[a["track_id"]], a["frame_index"])] = mask_utils.decode(
                    {**seg, "counts": seg["counts"].encode()})
    elif fmt == "sav":
        (name,) = [n for n in z.namelist() if n.endswith("_manual.json")]
        doc = json.loads(z.read(name))
        for f, row in zip(doc["annotated_frames"], doc["masklet"]):
            for pos, seg in enumerate(row, start=1):
                m = mask_utils.decode({**seg, "counts": seg["counts"].encode()})
                if m.any():
                    out[(pos, f)] = m
    return out


@pytest.mark.parametrize("fmt", ["davis", "ytvis", "coco", "sav"])
def test_export_import_export_keeps_masks_identical(fmt, scene, make_video):
    video, objs = scene
    first = export_zip(video, fmt, include_frames=False, stride=1)
    before = masks_by_reader(fmt, first)
    assert len(before) == 10 + 5 + 3
    target = make_video(name="copy.mp4")
    job = import_into(target, fmt, zip_bytes(first))
    assert job.status == "done", job.error
    assert job.result["objects"] == 3 and job.result["masks"] == 18
    imported = Object.objects.filter(video=target).order_by("id")
    assert [o.label.name if o.label else None for o in imported] == ["disc", "box", None]
    assert set(FrameMask.objects.filter(video=target).values_list("source", flat=True)) == {"import"}
    # The database holds exactly the original masks ...
    original, copied = stored_masks(video), stored_masks(target)
    assert original.keys() == copied.keys()
    assert all((original[k] == copied[k]).all() for k in original)
    # ... and a second export reads back identical through the reference reader.
    second = masks_by_reader(fmt, export_zip(target, fmt, include_frames=False, stride=1))
    assert before.keys() == second.keys()
    assert all((before[k] == second[k]).all() for k in before)


def test_import_masks_get_fresh_seqs_in_frame_order(scene, make_video):
    video, objs = scene
    target = make_video(name="copy.mp4")
    start = target.seq
    job = import_into(target, "coco", zip_bytes(export_zip(video, "coco", include_frames=False)))
    assert job.status == "done", job.error
    target.refresh_from_db()
    rows = list(FrameMask.objects.filter(video=target).order_by("frame").values_list("frame", "seq"))
    seqs = [s for _, s in rows]
    assert min(seqs) > start and max(seqs) == target.seq
    assert seqs == sorted(seqs)  # later frames never get earlier seqs
    assert len({s for f, s in rows if f == 0}) == 1  # one seq per imported frame


def test_the_room_hears_the_import_as_sync_would_replay_it(scene, make_video, monkeypatch):
    from webapp.realtime import events as realtime_events
    from webapp.realtime import sync

    heard = []
    monkeypatch.setattr(realtime_events, "emit", lambda video_id, event: heard.append((video_id, event)))
    video, _ = scene
    target = make_video(name="copy.mp4")
    since = target.seq
    job = import_into(target, "sav", zip_bytes(export_zip(video, "sav", include_frames=False,
                                                          stride=1)))
    assert job.status == "done", job.error
    assert {vid for vid, _ in heard} == {target.pk}
    # Quality flags follow the import (derived, read over REST, not replayed by sync).
    assert [e for _, e in heard if e["type"] == "flags"]
    events = [e for _, e in heard if e["type"] != "flags"]
    assert [e["type"] for e in events[:3]] == ["object.created"] * 3
    masks = [e for e in events if e["type"] == "masks"]
    assert all(e["source"] == "import" for e in masks) and len(masks) == 10
    assert sum(len(e["masks"]) for e in masks) == 18
    replay = list(sync.sync_events(target.pk, since))
    assert [(e["type"], e["seq"]) for e in replay] == [(e["type"], e["seq"]) for e in events]


def test_a_track_without_masks_is_skipped_and_the_report_says_so(scene, make_video):
    video, _ = scene
    target = make_video(name="copy.mp4")
    doc = json.loads(export_zip(video, "ytvis", include_frames=False).read("annotations.json"))
    empty = dict(doc["annotations"][0], id=999, segmentations=[None] * len(doc["annotations"][0]["segmentations"]),
                 areas=[None] * len(doc["annotations"][0]["segmentations"]),
                 bboxes=[None] * len(doc["annotations"][0]["segmentations"]))
    doc["annotations"].append(empty)
    job = import_into(target, "ytvis", json.dumps(doc).encode(), "annotations.json")
    assert job.status == "done", job.error
    assert job.result["objects"] == len(doc["annotations"]) - 1
    assert any(w.startswith("1 track(s) had no mask on any frame and were skipped") for w in
               job.result["warnings"]), job.result["warnings"]
