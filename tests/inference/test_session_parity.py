"""Engine masks equal the raw sam2 predictor's, with memory trimming on, beyond the memory window."""

import numpy as np
import pytest

from inference import decode_rle

from .conftest import iou


def raw_masks(video_res):
    return [(video_res[k, 0] > 0).numpy() for k in range(video_res.shape[0])]


def assert_same(result, raw_ids, raw_video_res):
    got = {m.object_id: decode_rle(m.rle) for m in result.masks}
    want = dict(zip(raw_ids, raw_masks(raw_video_res)))
    assert got.keys() == want.keys(), result.frame
    for oid in want:
        assert iou(got[oid], want[oid]) >= 0.999, (result.frame, oid)
        assert np.array_equal(got[oid], want[oid]), (result.frame, oid)


@pytest.fixture
def pair(model, clip):
    """An engine session and a raw `init_state` over the same frames and weights."""
    session = clip.session(model, trim=True)
    raw = model.predictor.init_state(str(clip.jpeg_dir), offload_video_to_cpu=True)
    return session, raw


def prompt_both(session, raw, predictor, clip):
    a, b = clip.blob(0, 0), clip.blob(0, 1)
    r = session.add_prompt(1, 0, points=[a], labels=[1])
    _, ids, v = predictor.add_new_points_or_box(raw, 0, 1, points=[a], labels=[1])
    assert_same(r, ids, v)
    box = [b[0] - 9, b[1] - 9, b[0] + 9, b[1] + 9]
    r = session.add_prompt(2, 0, box=box)
    _, ids, v = predictor.add_new_points_or_box(raw, 0, 2, box=box)
    assert_same(r, ids, v)
    r = session.add_prompt(1, 0, points=[[3.0, 3.0]], labels=[0])
    _, ids, v = predictor.add_new_points_or_box(
        raw, 0, 1, points=[[3.0, 3.0]], labels=[0], clear_old_points=False
    )
    assert_same(r, ids, v)


def test_clicks_and_forward_propagation_match_raw_predictor(model, clip, pair):
    session, raw = pair
    p = model.predictor
    prompt_both(session, raw, p, clip)
    engine = list(session.propagate(direction="forward"))
    ref = list(p.propagate_in_video(raw))
    assert [r.frame for r in engine] == [f for f, _, _ in ref] == list(range(clip.num_frames))
    for res, (_, ids, v) in zip(engine, ref):
        assert_same(res, ids, v)
    # Trimming really happened: far frames are gone, the window behind the end is kept.
    stored = session.stored_frames(1)["non_cond"]
    assert 20 not in stored and stored[-1] == clip.num_frames - 1
    assert len(stored) < clip.num_frames - 1


def test_correction_then_backward_from_the_correction_matches_raw(model, clip, pair):
    session, raw = pair
    p = model.predictor
    prompt_both(session, raw, p, clip)
    for _ in session.propagate():
        pass
    for _ in p.propagate_in_video(raw):
        pass
    # A correction on the last tracked frame: the window it reads is still stored.
    last = clip.num_frames - 1
    pt = clip.blob(last, 0)
    r = session.add_prompt(1, last, points=[pt], labels=[1])
    _, ids, v = p.add_new_points_or_box(raw, last, 1, points=[pt], labels=[1], clear_old_points=False)
    assert_same(r, ids, v)
    engine = list(session.propagate(start_frame=last, direction="backward"))
    ref = list(p.propagate_in_video(raw, start_frame_idx=last, reverse=True))
    assert [r.frame for r in engine] == [f for f, _, _ in ref] == list(range(last, -1, -1))
    for res, (_, ids, v) in zip(engine, ref):
        assert_same(res, ids, v)


def test_both_directions_from_a_middle_prompt_match_raw(model, clip, pair):
    session, raw = pair
    p = model.predictor
    mask = np.zeros((clip.height, clip.width), dtype=bool)
    cx, cy = clip.blob(20, 2)
    mask[int(cy) - 6 : int(cy) + 6, int(cx) - 6 : int(cx) + 6] = True
    r = session.add_mask(3, 20, mask)
    _, ids, v = p.add_new_mask(raw, 20, 3, mask)
    # The prompted frame reports the mask exactly as given (the model rounds it off at its low
    # resolution: the raw answer differs); every other frame is the raw predictor's.
    assert [m.object_id for m in r.masks] == list(ids) == [3]
    assert np.array_equal(decode_rle(r.masks[0].rle), mask)
    engine = {res.frame: res for res in session.propagate(direction="both")}
    ref = {f: (ids, v) for f, ids, v in p.propagate_in_video(raw, start_frame_idx=20)}
    ref.update({f: (ids, v) for f, ids, v in p.propagate_in_video(raw, start_frame_idx=20, reverse=True)})
    assert sorted(engine) == list(range(clip.num_frames))
    for f, res in engine.items():
        if f == 20:
            assert np.array_equal(decode_rle(res.masks[0].rle), mask)
        else:
            assert_same(res, *ref[f])


def test_a_painted_mask_is_stored_as_painted_until_a_click_refines_it(model, clip, pair):
    """Fine strokes (1-pixel lines) do not survive SAM 2's low-resolution mask input: the
    engine reports the painted mask on its frame, also when a propagation passes it, and the
    model's answer again once a click on that frame refines the object."""
    session, raw = pair
    mask = np.zeros((clip.height, clip.width), dtype=bool)
    cx, cy = (int(c) for c in clip.blob(10, 2))
    mask[cy - 8 : cy + 8, cx - 8 : cx + 8] = True
    mask[cy - 8 : cy + 8, ::3] = True  # hairlines, finer than the model's mask resolution
    _, ids, v = model.predictor.add_new_mask(raw, 10, 4, mask)
    assert not np.array_equal(raw_masks(v)[0], mask)  # the model rounds them off
    r = session.add_mask(4, 10, mask)
    assert np.array_equal(decode_rle(r.masks[0].rle), mask)
    assert r.masks[0].area == int(mask.sum())
    passed = {res.frame: res for res in session.propagate(start_frame=8, max_frames=5)}
    assert np.array_equal(decode_rle(passed[10].masks[0].rle), mask)
    clicked = session.add_prompt(4, 10, points=[[cx, cy]], labels=[1])
    assert not np.array_equal(decode_rle(clicked.masks[0].rle), mask)
