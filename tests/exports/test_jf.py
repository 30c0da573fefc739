"""The DAVIS measures against hand-computed cases."""
import numpy as np
import pytest

from webapp.exports import jf
from webapp.exports.evaluation import f_cropped


def square(h, w, y0, x0, size):
    m = np.zeros((h, w), dtype=bool)
    m[y0:y0 + size, x0:x0 + size] = True
    return m


def test_boundary_map_marks_the_pixels_before_each_edge_as_davis_does():
    m = square(6, 6, 2, 2, 2)  # pixels (2..3, 2..3)
    expected = np.array([
        [0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0, 0],
        [0, 1, 0, 1, 0, 0],
        [0, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ], dtype=bool)
    assert (jf.boundary_map(m) == expected).all()


def test_boundary_map_of_a_full_image_is_empty():
    assert not jf.boundary_map(np.ones((5, 7), bool)).any()


def test_tolerance_is_ceil_of_0008_times_the_diagonal():
    assert jf.bound_pixels(48, 64) == 1  # diagonal 80 → 0.64 → 1
    assert jf.bound_pixels(480, 854) == 8  # 979.7 → 7.84 → 8
    assert jf.bound_pixels(720, 1280) == 12  # 1468.6 → 11.75 → 12


def test_identical_masks_score_one():
    m = square(48, 64, 10, 10, 20)
    assert jf.jaccard(m, m) == 1.0
    assert jf.f_measure(m, m) == 1.0


def test_both_empty_score_one_and_one_empty_scores_zero():
    e = np.zeros((20, 20), bool)
    m = square(20, 20, 5, 5, 4)
    assert jf.jaccard(e, e) == 1.0 and jf.f_measure(e, e) == 1.0
    assert jf.jaccard(m, e) == 0.0 and jf.f_measure(m, e) == 0.0
    assert jf.f_measure(e, m) == 0.0


def test_a_shift_within_the_tolerance_keeps_f_at_one_but_lowers_j():
    # 48x64: tolerance 1 px (a 3x3 cross). A 10x10 square shifted right by one pixel.
    gt = square(48, 64, 10, 10, 10)
    pred = square(48, 64, 10, 11, 10)
    assert jf.jaccard(pred, gt) == pytest.approx(90 / 110)
    assert jf.f_measure(pred, gt) == 1.0


def test_a_shift_beyond_the_tolerance_matches_by_hand_count():
    # gt: 10x10 square at rows 10..19, cols 10..19 → boundary G: row 9 cols 9..19 (11 px),
    # col 9 rows 10..19 (10), col 19 rows 10..18 (9), row 19 cols 10..19 (10) = 40 px.
    # pred: shifted right by 3 → boundary P: row 9 cols 12..22, col 12 rows 10..19,
    # col 22 rows 10..18, row 19 cols 13..22. The tolerance is 1 px (a 3x3 cross), so a
    # P pixel matches when G has it or a 4-neighbour of it:
    #   row 9: cols 12..19 on G, col 20 next to (9,19)        → 9
    #   col 12: (10,12) under (9,12), (19,12) on G, (18,12) above it → 3
    #   col 22: three columns from G                          → 0
    #   row 19: cols 13..19 on G, col 20 next to (19,19)      → 8
    # precision = 20/40; recall is 20/40 by symmetry; F = 0.5.
    gt = square(48, 64, 10, 10, 10)
    pred = square(48, 64, 10, 13, 10)
    assert np.count_nonzero(jf.boundary_map(gt)) == 40
    assert jf.f_measure(pred, gt) == pytest.approx(0.5)
    assert jf.jaccard(pred, gt) == pytest.approx(70 / 130)


def test_an_asymmetric_case_by_hand():
    # gt as above (40 boundary px); pred: a 4x4 square at rows 12..15, cols 12..15, inside.
    # P: row 11 cols 11..15 (5), col 11 rows 12..15 (4), col 15 rows 12..14 (3),
    # row 15 cols 12..15 (4) = 16 px, each at least 2 px from G → precision 0.
    # So F = 0 (precision + recall = 0) while J = 16/100.
    gt = square(48, 64, 10, 10, 10)
    pred = square(48, 64, 12, 12, 4)
    assert np.count_nonzero(jf.boundary_map(pred)) == 16
    assert jf.f_measure(pred, gt) == 0.0
    assert jf.jaccard(pred, gt) == pytest.approx(0.16)
    # Grow it to rows/cols 11..18. P: row 10 cols 10..18 (9), col 10 rows 11..18 (8),
    # col 18 rows 11..17 (7), row 18 cols 11..18 (8) = 32 px, every one a 4-neighbour of
    # G (G runs one pixel outside each of them) → precision 1. G pixels next to P:
    # row 9 cols 10..18 (9), col 9 rows 10..18 (9), col 19 rows 10..18 (9),
    # row 19 cols 10..18 (9) = 36 of 40 (the four corners (9,9), (9,19), (19,9), (19,19)
    # miss) → recall 0.9, F = 2·0.9/1.9.
    pred = square(48, 64, 11, 11, 8)
    assert np.count_nonzero(jf.boundary_map(pred)) == 32
    p, r = 1.0, 36 / 40
    assert jf.f_measure(pred, gt) == pytest.approx(2 * p * r / (p + r))


def test_an_explicit_pixel_tolerance_widens_the_match():
    gt = square(48, 64, 10, 10, 10)
    pred = square(48, 64, 10, 13, 10)
    assert jf.f_measure(pred, gt, bound_th=3) == 1.0
    assert jf.f_measure(pred, gt, bound_th=2) < 1.0


def test_cropping_to_the_masks_gives_the_same_f_as_the_whole_frame():
    rng = np.random.default_rng(0)
    for _ in range(20):
        gt = np.zeros((120, 160), bool)
        pred = np.zeros((120, 160), bool)
        y, x = rng.integers(0, 100, 2)
        gt[y:y + rng.integers(3, 30), x:x + rng.integers(3, 40)] = True
        y, x = rng.integers(0, 100, 2)
        pred[y:y + rng.integers(3, 30), x:x + rng.integers(3, 40)] = True
        pred[rng.integers(0, 120, 30), rng.integers(0, 160, 30)] = True
        assert f_cropped(pred, gt) == pytest.approx(jf.f_measure(pred, gt))


def test_stats_recall_and_decay_follow_davis():
    s = jf.stats([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert s.mean == 0.5
    assert s.recall == 0.5
    assert s.decay == pytest.approx(1.0)
