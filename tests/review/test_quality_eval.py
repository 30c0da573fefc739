"""Synthetic evaluation of the masklet quality flags (webapp/review/quality.py, pure numpy).

Generated videos: discs moving smoothly (straight line plus a slow wobble, radius changing
slowly), one mask per object per frame. Into each masklet we inject corrupted frames: an
area jump (radius x0.65 or x1.45), a shift (0.4 to 1.2 radii), a vanishing mask (empty, with
SAM 2's low object score), a wrong object (another object's mask of that frame). Corruptions
are at least 3 frames apart. Recall = corrupted frames flagged / corrupted frames; false-flag
share = flagged clean frames / flagged frames. Figures go to bench/RESULTS.md."""
import numpy as np
import pytest

from webapp.review.quality import Track, affected_range, features_from_mask, score_track

H, W, FRAMES, OBJECTS, VIDEOS = 120, 160, 60, 3, 20
KINDS = ("area_jump", "shift", "vanish", "wrong_object")


def _disc(cx: float, cy: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def _paths(rng):
    """Per object: (cx, cy, r) per frame, each object in its own third of the picture."""
    out = []
    t = np.arange(FRAMES)
    for k in range(OBJECTS):
        x0 = 20 + k * 50 + rng.uniform(-3, 3)
        y0 = rng.uniform(30, 90)
        vx, vy = rng.uniform(-0.2, 0.2), rng.uniform(-0.5, 0.5)
        r0 = rng.uniform(7, 12)
        cx = x0 + vx * t + 2 * np.sin(t / 9 + k)
        cy = np.clip(y0 + vy * t + 2 * np.cos(t / 11 + k), 18, H - 18)
        r = r0 * (1 + 0.12 * np.sin(t / 15 + 2 * k))
        out.append((cx, cy, r))
    return out


def _video(rng):
    """Tracks with injected corruptions and the set of corrupted (object, frame, kind)."""
    paths = _paths(rng)
    truth = []
    tracks = []
    for k, (cx, cy, r) in enumerate(paths):
        candidates = list(range(3, FRAMES - 3))
        rng.shuffle(candidates)
        chosen: list[int] = []
        for f in candidates:
            if all(abs(f - g) >= 3 for g in chosen):
                chosen.append(f)
            if len(chosen) == 5:
                break
        kinds = {f: KINDS[rng.integers(len(KINDS))] for f in chosen}
        area, xs, ys, score = [], [], [], []
        for f in range(FRAMES):
            kind = kinds.get(f)
            if kind == "area_jump":
                mask = _disc(cx[f], cy[f], r[f] * (0.65 if rng.random() < 0.5 else 1.45))
            elif kind == "shift":
                angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(0.4, 1.2) * r[f]
                mask = _disc(cx[f] + dist * np.cos(angle), cy[f] + dist * np.sin(angle), r[f])
            elif kind == "vanish":
                mask = np.zeros((H, W), bool)
            elif kind == "wrong_object":
                other = paths[(k + 1 + rng.integers(OBJECTS - 1)) % OBJECTS]
                mask = _disc(other[0][f], other[1][f], other[2][f])
            else:
                mask = _disc(cx[f], cy[f], r[f])
            a, x, y = features_from_mask(mask)
            area.append(a), xs.append(x), ys.append(y)
            score.append(rng.uniform(0.02, 0.1) if a == 0 else rng.uniform(0.85, 1.0))
        tracks.append(Track(frames=np.arange(FRAMES), area=area, cx=xs, cy=ys,
                            object_score=score, prompted=[0]))
        truth += [(k, f, kind) for f, kind in kinds.items()]
    return tracks, truth


def evaluate(seed: int = 16) -> dict:
    rng = np.random.default_rng(seed)
    tp = fp = fn = clean = 0
    per_kind = {k: [0, 0] for k in KINDS}
    for _ in range(VIDEOS):
        tracks, truth = _video(rng)
        bad = {(k, f): kind for k, f, kind in truth}
        for k, track in enumerate(tracks):
            flagged = {row["frame"] for row in score_track(track)}
            for f in range(FRAMES):
                kind = bad.get((k, f))
                if kind:
                    per_kind[kind][1] += 1
                    per_kind[kind][0] += f in flagged
                    tp += f in flagged
                    fn += f not in flagged
                else:
                    clean += 1
                    fp += f in flagged
    return {
        "corrupted": tp + fn, "clean": clean, "flagged": tp + fp,
        "recall": tp / (tp + fn), "precision": tp / max(tp + fp, 1),
        "false_flag_share": fp / max(tp + fp, 1), "clean_flag_rate": fp / clean,
        "recall_by_kind": {k: h / max(n, 1) for k, (h, n) in per_kind.items()},
    }


def test_flags_find_injected_corruptions():
    r = evaluate()
    print("\nquality flags, synthetic evaluation:", r)
    assert r["recall"] >= 0.8, r
    assert r["false_flag_share"] <= 0.2, r
    for kind, recall in r["recall_by_kind"].items():
        assert recall >= 0.6, (kind, r)


def test_clean_tracks_raise_no_flags():
    rng = np.random.default_rng(3)
    for cx, cy, r in _paths(rng):
        feats = [features_from_mask(_disc(cx[f], cy[f], r[f])) for f in range(FRAMES)]
        a, x, y = map(np.array, zip(*feats))
        assert score_track(Track(frames=np.arange(FRAMES), area=a, cx=x, cy=y)) == []


def test_reasons_name_the_corruption():
    n = 20
    frames = np.arange(n)
    area = np.full(n, 400.0)
    cx = np.linspace(20, 60, n)
    cy = np.full(n, 50.0)
    area[5] = 1200.0  # area jump
    cx[10] += 25.0  # shift
    area[15] = 0.0  # vanished for one frame
    score = np.full(n, 0.95)
    score[17] = 0.45  # low object score
    rows = {r["frame"]: r["reasons"] for r in score_track(
        Track(frames=frames, area=area, cx=cx, cy=cy, object_score=score))}
    assert rows == {5: ["area_jump"], 10: ["centroid_jump"], 15: ["vanished"],
                    17: ["low_object_score"]}


def test_long_gap_flags_the_return_and_prompts_damp():
    frames = np.arange(20)
    area = np.full(20, 300.0)
    area[5:12] = 0.0  # gone for 7 frames: an exit, then the object comes back at 12
    cx = np.full(20, 40.0)
    cy = np.full(20, 40.0)
    rows = score_track(Track(frames=frames, area=area, cx=cx, cy=cy))
    assert [(r["frame"], r["reasons"]) for r in rows] == [(12, ["reappeared"])]
    prompted = score_track(Track(frames=frames, area=area, cx=cx, cy=cy, prompted=[12]))
    assert prompted == []  # a person prompted frame 12: its return is confirmed


def test_optional_signals_and_incremental_range():
    frames = np.arange(10)
    ones = np.ones(10)
    iou = ones.copy()
    iou[3] = 0.4
    agree = ones.copy()
    agree[6] = 0.3
    rows = score_track(Track(frames=frames, area=ones * 100, cx=ones, cy=ones, iou=iou,
                             agreement=agree))
    assert [(r["frame"], r["reasons"]) for r in rows] == [(3, ["low_iou"]),
                                                          (6, ["fwd_bwd_disagree"])]
    assert score_track(Track(frames=frames, area=ones * 100, cx=ones, cy=ones, iou=iou),
                       start=4, end=9) == []
    lo, hi = affected_range(np.arange(100), 50, 50)
    assert (lo, hi) == (43, 57)
    assert affected_range(np.arange(0, 100, 10), 50, 50) == (0, 90)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_unknown_scores_raise_nothing(bad):
    frames = np.arange(8)
    ones = np.ones(8)
    rows = score_track(Track(frames=frames, area=ones * 50, cx=ones, cy=ones,
                             object_score=np.full(8, bad)))
    assert rows == []
