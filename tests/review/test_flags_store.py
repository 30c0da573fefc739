"""Stored quality flags: the runner's hook re-scores the neighbourhood of stored masks, the
room hears `flags`, and GET /api/videos/{id}/flags/ rescans masks no hook saw (imports)."""
import types

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime.runner import Runner
from webapp.review import flagstore, quality
from webapp.review.models import QualityFlag

RLE = {"size": [48, 64], "counts": "0"}


def _om(obj, area, x, score=0.95, rle=RLE, iou=None):
    return types.SimpleNamespace(object_id=obj.pk, rle=rle, score=score, area=area,
                                 bbox=[x, 10, 10, 10], iou=iou)


def _store(video, frames, source="propagation", direction=""):
    stub = types.SimpleNamespace(_username=lambda uid: None)
    return Runner.store_masks(stub, video.pk, frames, source, None, direction)


def test_the_runner_hook_flags_and_rescoring_is_local(team, client_for, sent):
    _, video, users = team
    video.num_frames = 60
    video.save()
    obj = Object.objects.create(video=video)
    Prompt.objects.create(video=video, seq=1, object=obj, frame=0, kind="point")
    frames = [(f, [_om(obj, 100, 2 + f * 0.5)]) for f in range(60)]
    frames[30] = (30, [_om(obj, 400, 17)])  # an area jump
    _store(video, frames)
    flags = client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/").json()
    assert flags == [{"object_id": obj.pk, "frame": 30, "score": flags[0]["score"],
                      "reasons": ["area_jump"]}]
    assert [e for _, e in sent if e["type"] == "flags"][-1]["frames"][0]["frame"] == 30
    # Fixing frame 30 re-scores only its neighbourhood, and the flag goes.
    sent.clear()
    _store(video, [(30, [_om(obj, 100, 17)])], source="prompt")
    events = [e for _, e in sent if e["type"] == "flags"]
    assert events == [{"type": "flags", "object_id": obj.pk, "start": 30 - quality.RADIUS,
                       "end": 30 + quality.RADIUS, "frames": []}]
    assert not QualityFlag.objects.filter(video=video).exists()
    assert client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/").json() == []


def test_masks_stored_without_the_hook_are_rescored_on_read(team, client_for, sent):
    _, video, users = team
    obj = Object.objects.create(video=video)
    for f in range(10):
        FrameMask.objects.create(object=obj, video=video, frame=f, rle=RLE, seq=5 + f,
                                 area=0 if f == 5 else 100, bbox=[f, 10, 10, 10], score=0.9,
                                 source="import")
    flags = client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/").json()
    assert [(r["frame"], r["reasons"]) for r in flags] == [(5, ["vanished"])]
    assert [(e["start"], e["end"], [f["frame"] for f in e["frames"]]) for _, e in sent] == [
        (0, 9, [5])]  # the room hears the rescan (imports call it when they finish)
    client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/")
    assert len(sent) == 1  # nothing new: no rescan
    # A deleted masklet's flags are not listed; outsiders get 404.
    Object.objects.filter(pk=obj.pk).update(deleted=True)
    assert client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/").json() == []
    assert client_for(users["outsider"]).get(f"/api/videos/{video.pk}/flags/").status_code == 404


def test_a_failing_hook_does_not_fail_inference(team, monkeypatch, caplog):
    _, video, _ = team
    monkeypatch.setattr(flagstore, "rescore", lambda *a: 1 / 0)
    flagstore.masks_stored(video.pk, 3, [(1, 2)])
    assert "quality flags of video" in caplog.text


def test_the_hook_scores_off_the_callers_thread_and_merges_batches(settings, monkeypatch):
    """With FLAGS_DEFER_S > 0 the runner's call returns at once; the batches of a propagation
    are scored together on the background thread, with the seq range they span."""
    import threading
    import time

    calls, done = [], threading.Event()

    def record(video_id, seq, pairs, first_seq=None):
        calls.append((threading.current_thread().name, video_id, first_seq, seq, sorted(pairs)))
        done.set()

    monkeypatch.setattr(flagstore, "masks_stored", record)
    monkeypatch.setattr(flagstore, "_rescorer", None)
    settings.FLAGS_DEFER_S = 0.2
    t0 = time.monotonic()
    flagstore.schedule(7, 10, [(1, 5), (1, 6)])
    flagstore.schedule(7, 11, [(1, 7), (2, 3)])
    flagstore.schedule(7, 12, [(1, 4)])
    assert time.monotonic() - t0 < 0.05 and calls == []  # nothing scored in the caller's thread
    assert done.wait(5)
    time.sleep(0.1)
    assert calls == [("maskflow-flags", 7, 10, 12, [(1, 4), (1, 7), (2, 3), (2, 3)])]


def _box(x: int, iou=0.95):
    """A 10x10 square at column x of a 48x64 frame, as the engine reports it."""
    import numpy as np

    from inference.rle import encode_mask

    mask = np.zeros((48, 64), dtype=bool)
    mask[10:20, x:x + 10] = True
    return dict(area=100, x=x, rle=encode_mask(mask), iou=iou)


def test_predicted_iou_and_forward_backward_disagreement_raise_their_flags(team, client_for):
    """A forward propagation drifts on frames 20-24 and predicts a low IoU on frame 40; the
    backward propagation from a later prompt tracks the object where it is. The rows keep
    their direction, the backward rows their IoU with the forward masks they replaced, and
    the flags name `fwd_bwd_disagree` on 20-24 and `low_iou` on 40, nothing else."""
    _, video, users = team
    video.num_frames = 60
    video.save()
    obj = Object.objects.create(video=video)
    Prompt.objects.create(video=video, seq=1, object=obj, frame=0, kind="point")

    def frames(boxes):
        return [(f, [_om(obj, b["area"], b["x"], rle=b["rle"], iou=b["iou"])])
                for f, b in boxes]

    truth = {f: 10 + f // 2 for f in range(60)}  # the object moves half a pixel a frame
    forward = [(f, _box(truth[f] + (12 if 20 <= f <= 24 else 0))) for f in range(0, 45)]
    _store(video, frames(forward), direction="f")
    Prompt.objects.create(video=video, seq=2, object=obj, frame=59, kind="point")
    backward = [(f, _box(truth[f], iou=0.3 if f == 40 else 0.95)) for f in range(59, 9, -1)]
    _store(video, frames(backward), direction="b")
    rows = {m.frame: m for m in FrameMask.objects.filter(object=obj)}
    assert rows[5].direction == "f" and rows[5].agreement is None  # forward only
    assert rows[50].direction == "b" and rows[50].agreement is None  # backward only
    assert rows[15].agreement == 1.0 and rows[40].iou == 0.3
    assert all(rows[f].agreement < 0.2 for f in range(20, 25))
    flags = client_for(users["viewer"]).get(f"/api/videos/{video.pk}/flags/").json()
    assert [(r["frame"], r["reasons"]) for r in flags] == (
        [(f, ["fwd_bwd_disagree"]) for f in range(20, 25)] + [(40, ["low_iou"])])
