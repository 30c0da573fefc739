"""Everything a user can do to a session, in any order."""

import numpy as np
import pytest

from inference import InvalidPrompt, OutOfRange, PromptRecord, Session, decode_rle, encode_mask


def masks_by_id(result):
    return {m.object_id: decode_rle(m.rle) for m in result.masks}


def test_click_returns_rle_at_video_resolution_with_score_area_and_bbox(model, clip):
    s = clip.session(model)
    res = s.add_prompt(7, 3, points=[clip.blob(3)], labels=[1])
    assert res.frame == 3 and [m.object_id for m in res.masks] == [7]
    m = res.masks[0]
    assert m.rle["size"] == [clip.height, clip.width] and isinstance(m.rle["counts"], str)
    mask = decode_rle(m.rle)
    assert m.area == int(mask.sum())
    if m.area:
        ys, xs = np.nonzero(mask)
        assert m.bbox == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
    assert 0.0 <= m.score <= 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(frame=40, points=[[1, 1]], labels=[1]),
        dict(frame=-1, points=[[1, 1]], labels=[1]),
        dict(frame=0, points=[[96.5, 1]], labels=[1]),
        dict(frame=0, points=[[1, -0.1]], labels=[1]),
        dict(frame=0, box=[0, 0, 97, 10]),
    ],
)
def test_prompts_outside_the_video_raise_out_of_range(model, clip, kwargs):
    s = clip.session(model)
    with pytest.raises(OutOfRange):
        s.add_prompt(1, **kwargs)
    assert isinstance(OutOfRange("x"), ValueError)
    assert s.object_ids == []  # nothing half-applied


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(points=[[1, 1]], labels=None),
        dict(points=[[1, 1], [2, 2]], labels=[1]),
        dict(points=[[1, 1]], labels=[2]),
        dict(),
        dict(box=[10, 10, 5, 5]),
    ],
)
def test_malformed_prompts_raise_invalid_prompt(model, clip, kwargs):
    s = clip.session(model)
    with pytest.raises(InvalidPrompt):
        s.add_prompt(1, 0, **kwargs)


def test_mask_prompt_must_match_the_video_size(model, clip):
    s = clip.session(model)
    with pytest.raises(InvalidPrompt):
        s.add_mask(1, 0, np.zeros((10, 10), dtype=bool))
    with pytest.raises(OutOfRange):
        s.propagate(start_frame=99)
    with pytest.raises(InvalidPrompt):
        s.propagate()  # nothing prompted yet


def test_new_object_after_tracking_is_accepted_and_tracked(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    list(s.propagate(max_frames=10))
    res = s.add_prompt(2, 5, points=[clip.blob(5, 1)], labels=[1])
    assert {m.object_id for m in res.masks} == {1, 2}  # object 1 was tracked onto frame 5
    out = list(s.propagate(start_frame=5, max_frames=5))
    assert [r.frame for r in out] == [5, 6, 7, 8, 9]
    assert all({m.object_id for m in r.masks} == {1, 2} for r in out)


def test_objects_argument_limits_tracking_and_leaves_others_untouched(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    s.add_prompt(2, 0, points=[clip.blob(0, 1)], labels=[1])
    out = list(s.propagate(max_frames=6, objects=[2]))
    assert all([m.object_id for m in r.masks] == [2] for r in out)
    assert s.stored_frames(1)["non_cond"] == []
    assert s.stored_frames(2)["non_cond"] == [1, 2, 3, 4, 5]


def test_cancel_is_checked_before_every_frame(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
    seen = []
    stop = lambda: len(seen) >= 3  # noqa: E731
    for r in s.propagate(cancel=stop):
        seen.append(r.frame)
    assert seen == [0, 1, 2]


def test_max_frames_and_directions(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 10, points=[clip.blob(10)], labels=[1])
    s.add_prompt(1, 20, points=[clip.blob(20)], labels=[1])
    assert [r.frame for r in s.propagate(max_frames=3)] == [10, 11, 12]
    assert [r.frame for r in s.propagate(direction="backward", max_frames=3)] == [20, 19, 18]
    both = [r.frame for r in s.propagate(start_frame=2, direction="both", max_frames=4)]
    assert both == [2, 3, 4, 5, 1, 0]
    with pytest.raises(InvalidPrompt):
        s.propagate(direction="sideways")


def test_remove_object_drops_it_from_results(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    s.add_prompt(2, 0, points=[clip.blob(0, 1)], labels=[1])
    s.remove_object(1)
    assert s.object_ids == [2]
    assert [m.object_id for m in s.masks_on(0).masks] == [2]
    s.remove_object(99)  # unknown ids are ignored
    s.remove_object(2)
    assert s.object_ids == []


def test_twenty_five_objects_click_and_propagate(model, clip):
    s = clip.session(model)
    rng = np.random.default_rng(1)
    for oid in range(1, 26):
        x, y = rng.uniform(0, clip.width), rng.uniform(0, clip.height)
        res = s.add_prompt(oid, oid % 5, points=[[x, y]], labels=[1])
        assert oid in {m.object_id for m in res.masks}
    assert len(s.object_ids) == 25
    out = list(s.propagate(start_frame=0, max_frames=8))
    assert [r.frame for r in out] == list(range(8))
    assert len(out[-1].masks) == 25


def test_replay_of_the_prompt_log_rebuilds_the_same_masks(model, clip):
    mask = np.zeros((clip.height, clip.width), dtype=bool)
    mask[10:30, 40:70] = True
    log = [
        PromptRecord("point", 1, 0, points=[clip.blob(0, 0)], labels=[1]),
        PromptRecord("point", 1, 0, points=[[2.0, 2.0]], labels=[0]),
        PromptRecord("box", 2, 4, box=[5, 5, 40, 40]),
        PromptRecord("point", 2, 4, points=[[20.0, 20.0]], labels=[1]),
        PromptRecord("mask", 3, 12, rle=encode_mask(mask)),
        PromptRecord("point", 1, 0, points=[clip.blob(0, 0)], labels=[1], clear_old=True),
    ]
    live = clip.session(model)
    for rec in log:
        if rec.kind == "mask":
            live.add_mask(rec.object_id, rec.frame, mask)
        else:
            live.add_prompt(rec.object_id, rec.frame, rec.points, rec.labels, rec.box, rec.clear_old)
    live_clicks = {f: masks_by_id(live.masks_on(f)) for f in (0, 4, 12)}
    live_prop = [masks_by_id(r) for r in live.propagate(direction="both", max_frames=20)]

    rebuilt = clip.session(model)
    rebuilt.add_prompt(9, 1, points=[[1.0, 1.0]], labels=[1])  # stale state that replay clears
    rebuilt.replay(log)
    assert rebuilt.object_ids == [1, 2, 3]
    for f, masks in live_clicks.items():
        got = masks_by_id(rebuilt.masks_on(f))
        assert got.keys() == masks.keys()
        assert all(np.array_equal(got[k], masks[k]) for k in masks)
    again = [masks_by_id(r) for r in rebuilt.propagate(direction="both", max_frames=20)]
    assert len(again) == len(live_prop)
    for a, b in zip(again, live_prop):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_correction_on_a_trimmed_frame_becomes_a_conditioning_frame(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
    list(s.propagate())
    assert 20 not in s.stored_frames(1)["non_cond"]  # outside every kept window
    res = s.add_prompt(1, 20, points=[clip.blob(20)], labels=[1])
    assert [m.object_id for m in res.masks] == [1]
    out = list(s.propagate(start_frame=20, max_frames=3))
    assert [r.frame for r in out] == [20, 21, 22]
    assert 20 in s.stored_frames(1)["cond"]


def test_reset_forgets_everything(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
    s.reset()
    assert s.object_ids == [] and s.masks_on(0).masks == []


def test_session_rejects_frames_preprocessed_for_another_size(model, clip):
    with pytest.raises(ValueError):
        Session(model, clip.source(128))


def test_removing_an_object_stops_a_running_propagation(model, clip):
    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    s.add_prompt(2, 0, points=[clip.blob(0, 1)], labels=[1])
    frames = []
    for r in s.propagate():
        frames.append(r.frame)
        if r.frame == 2:
            s.remove_object(1)  # indices shift under the running propagation
    assert frames == [0, 1, 2]
    assert [r.frame for r in s.propagate(max_frames=2)] == [0, 1]


def test_a_click_interleaves_with_a_running_propagation(model, clip):
    import threading
    import time

    s = clip.session(model)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    done = threading.Event()
    frames = []

    def run():
        for r in s.propagate():
            frames.append(r.frame)
            time.sleep(0.02)  # a slow consumer (e.g. database writes)
        done.set()

    th = threading.Thread(target=run)
    th.start()
    while len(frames) < 3:
        time.sleep(0.005)
    res = s.add_prompt(2, 30, points=[clip.blob(30, 1)], labels=[1])
    clicked_mid_run = not done.is_set()
    th.join()
    assert clicked_mid_run
    assert 2 in {m.object_id for m in res.masks}
    assert frames == list(range(clip.num_frames))
