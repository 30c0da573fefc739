"""The image encoder one frame ahead (inference.features): the same masks, bit for bit, as
encoding on the model thread, and the frames encoded ahead are the ones tracking used."""
from __future__ import annotations

import numpy as np

from inference import decode_rle


def _run(model, clip, ahead: bool, **kw):
    s = clip.session(model, features_ahead=ahead)
    s.add_prompt(1, 0, points=[clip.blob(0, 0)], labels=[1])
    s.add_prompt(2, 5, points=[clip.blob(5, 1)], labels=[1])
    out = {(r.frame, m.object_id): (m.rle, m.score) for r in s.propagate(**kw) for m in r.masks}
    return s, out


def test_masks_are_bit_identical_with_and_without_encoding_ahead(model, clip):
    for kw in ({}, {"start_frame": 20, "direction": "both"}):
        plain, want = _run(model, clip, False, **kw)
        ahead, got = _run(model, clip, True, **kw)
        assert plain._ahead is None and ahead._ahead is not None
        assert got.keys() == want.keys() and len(got) > 2 * 30
        for key, (rle, score) in want.items():
            assert np.array_equal(decode_rle(got[key][0]), decode_rle(rle)), key
            assert got[key][1] == score, key
        # Every frame after a pass's first came from the features thread.
        assert ahead._ahead.hits >= clip.num_frames - 3


def test_a_cancelled_propagation_leaves_nothing_queued(model, clip):
    s = clip.session(model, features_ahead=True)
    s.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
    seen = []
    for r in s.propagate(cancel=lambda: len(seen) >= 4):
        seen.append(r.frame)
    assert seen == [0, 1, 2, 3]
    assert not s._ahead._pending
    # The next propagation still starts from what it needs, not from a stale queue.
    assert [r.frame for r in s.propagate(start_frame=10, max_frames=3)] == [10, 11, 12]
