"""Stored quality flags: the runner's hook re-scores the neighbourhood of stored masks, the
room hears `flags`, and GET /api/videos/{id}/flags/ rescans masks no hook saw (imports)."""
import types

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.realtime.runner import Runner
from webapp.review import flagstore, quality
from webapp.review.models import QualityFlag

RLE = {"size": [48, 64], "counts": "0"}


def _om(obj, area, x, score=0.95):
    return types.SimpleNamespace(object_id=obj.pk, rle=RLE, score=score, area=area,
                                 bbox=[x, 10, 10, 10])


def _store(video, frames, source="propagation"):
    stub = types.SimpleNamespace(_username=lambda uid: None)
    return Runner.store_masks(stub, video.pk, frames, source, None)


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
