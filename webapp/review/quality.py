"""Masklet quality flags: score each frame of one masklet from what the app stores (no Django).

Input: one masklet's rows in frame order: the mask area (0 = an empty mask), its box centre,
SAM 2's object score, optionally SAM 2's predicted IoU and the IoU between forward and
backward propagation, and the frames a person prompted. Each reason gets a severity in
[0, 1]; a reason counts when its severity, times the prompt-distance weight, reaches
THRESHOLD. The frame's score is 1 - prod(1 - severity) times that weight.

- area_jump: |log(area / median area of the WINDOW masks either side)| from AREA_OK (0) to
  AREA_BAD (1).
- centroid_jump: distance between the box centre and where the neighbours put it (the median
  of the straight-line predictions through every pair of the 2 x WINDOW neighbours), in units
  of sqrt(reference area), from SHIFT_OK (0) to SHIFT_BAD (1).
- vanished: an empty mask in a run of at most MAX_GAP frames with masks on both sides (1).
- reappeared: the first mask after an empty run longer than MAX_GAP (0.6: a look at whether
  it is still the same object).
- low_object_score: object score 0.8 (0) to 0.4 (1); low_iou: predicted IoU 0.8 (0) to 0.5
  (1); fwd_bwd_disagree: forward/backward IoU 0.9 (0) to 0.5 (1). Only where known.
- prompt distance: on a prompted frame (a person looked at it) the weight is 0.5, next to one
  0.86, rising to 1 at PROMPT_FAR frames away.

A changed frame changes scores within RADIUS masks of it (positions in the row order), so an
incremental update re-scores that neighbourhood only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

REASONS = ("low_iou", "low_object_score", "area_jump", "centroid_jump", "vanished",
           "reappeared", "fwd_bwd_disagree")
WINDOW = 3
MAX_GAP = 3
RADIUS = WINDOW + MAX_GAP + 1
THRESHOLD = 0.5
AREA_OK, AREA_BAD = 1.15, 1.6
SHIFT_OK, SHIFT_BAD = 0.12, 0.45
PROMPT_FAR = 15
REAPPEAR_SEVERITY = 0.6


@dataclass
class Track:
    """One masklet's rows, sorted by frame. Optional arrays use NaN for unknown."""

    frames: np.ndarray
    area: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    object_score: np.ndarray | None = None
    iou: np.ndarray | None = None
    agreement: np.ndarray | None = None
    prompted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.int64)
        for name in ("area", "cx", "cy", "object_score", "iou", "agreement"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, np.asarray(value, dtype=np.float64))
        self.prompted = np.unique(np.asarray(self.prompted, dtype=np.int64))


def _ramp(x: np.ndarray, zero: float, one: float) -> np.ndarray:
    """0 at `zero`, 1 at `one`, linear between (either direction); NaN stays 0."""
    out = np.clip((x - zero) / (one - zero), 0.0, 1.0)
    return np.nan_to_num(out, nan=0.0)


def _shape_severities(t: Track, present: np.ndarray, wanted: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    n = len(t.frames)
    area_sev, shift_sev = np.zeros(n), np.zeros(n)
    idx = np.flatnonzero(present)
    pairs = {k: np.triu_indices(k, 1) for k in range(2, 2 * WINDOW + 1)}
    log_ok, log_bad = np.log(AREA_OK), np.log(AREA_BAD)
    for j, i in enumerate(idx):
        if not wanted[i]:
            continue
        nb = np.concatenate([idx[max(0, j - WINDOW):j], idx[j + 1:j + 1 + WINDOW]])
        if len(nb) < 2:
            continue
        ref = float(np.median(t.area[nb]))
        jump = abs(np.log(t.area[i] / ref))
        area_sev[i] = min(max((jump - log_ok) / (log_bad - log_ok), 0.0), 1.0)
        f, x, y = t.frames[nb].astype(np.float64), t.cx[nb], t.cy[nb]
        a, b = pairs[len(nb)]
        w = (t.frames[i] - f[a]) / (f[b] - f[a])
        px = np.median(x[a] + w * (x[b] - x[a]))
        py = np.median(y[a] + w * (y[b] - y[a]))
        d = float(np.hypot(t.cx[i] - px, t.cy[i] - py)) / max(np.sqrt(ref), 1.0)
        if np.isfinite(d):
            shift_sev[i] = min(max((d - SHIFT_OK) / (SHIFT_BAD - SHIFT_OK), 0.0), 1.0)
    return area_sev, shift_sev


def _gap_severities(t: Track, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(t.frames)
    vanished, reappeared = np.zeros(n), np.zeros(n)
    idx = np.flatnonzero(present)
    for before, after in zip(idx[:-1], idx[1:]):
        if after - before < 2:
            continue  # no empty rows between these two masks
        gap = int(t.frames[after] - t.frames[before] - 1)
        if gap <= MAX_GAP:
            vanished[before + 1:after] = 1.0
        else:
            reappeared[after] = REAPPEAR_SEVERITY
    return vanished, reappeared


def _prompt_weight(t: Track) -> np.ndarray:
    if len(t.prompted) == 0:
        return np.ones(len(t.frames))
    pos = np.searchsorted(t.prompted, t.frames)
    left = np.abs(t.frames - t.prompted[np.clip(pos - 1, 0, len(t.prompted) - 1)])
    right = np.abs(t.prompted[np.clip(pos, 0, len(t.prompted) - 1)] - t.frames)
    d = np.minimum(left, right)
    w = 0.85 + 0.15 * np.minimum(d, PROMPT_FAR) / PROMPT_FAR
    return np.where(d == 0, 0.5, w)


def severities(t: Track, wanted: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per reason, each row's severity in [0, 1] (before the prompt weight); the area and
    centroid reasons only for the `wanted` rows (all when None)."""
    present = t.area > 0
    n = len(t.frames)
    wanted = np.ones(n, dtype=bool) if wanted is None else wanted
    area_sev, shift_sev = _shape_severities(t, present, wanted)
    vanished, reappeared = _gap_severities(t, present)
    nothing = np.zeros(n)

    def when_present(values, zero, one):
        return nothing if values is None else np.where(present, _ramp(values, zero, one), 0.0)

    return {
        "low_iou": when_present(t.iou, 0.8, 0.5),
        "low_object_score": when_present(t.object_score, 0.8, 0.4),
        "area_jump": area_sev,
        "centroid_jump": shift_sev,
        "vanished": vanished,
        "reappeared": reappeared,
        "fwd_bwd_disagree": when_present(t.agreement, 0.9, 0.5),
    }


def score_track(t: Track, start: int | None = None, end: int | None = None) -> list[dict]:
    """The flagged rows of `t` with frames in [start, end] (all when None), in frame order:
    [{frame, score, reasons}]."""
    if len(t.frames) == 0:
        return []
    lo = -np.inf if start is None else start
    hi = np.inf if end is None else end
    wanted = (t.frames >= lo) & (t.frames <= hi)
    sev = severities(t, wanted)
    weight = _prompt_weight(t)
    stack = np.stack([sev[r] for r in REASONS])
    score = (1.0 - np.prod(1.0 - stack, axis=0)) * weight
    hits = stack * weight >= THRESHOLD
    out = []
    for i in np.flatnonzero(hits.any(axis=0) & wanted):
        out.append({"frame": int(t.frames[i]), "score": round(float(score[i]), 3),
                    "reasons": [r for k, r in enumerate(REASONS) if hits[k, i]]})
    return out


def affected_range(frames: np.ndarray, changed_lo: int, changed_hi: int) -> tuple[int, int]:
    """The frames whose scores may change when rows in [changed_lo, changed_hi] change:
    RADIUS rows beyond them on either side."""
    frames = np.asarray(frames, dtype=np.int64)
    if len(frames) == 0:
        return changed_lo, changed_hi
    p0 = int(np.searchsorted(frames, changed_lo, side="left"))
    p1 = int(np.searchsorted(frames, changed_hi, side="right")) - 1
    lo = int(frames[min(max(0, p0 - RADIUS), len(frames) - 1)])
    hi = int(frames[min(max(0, p1 + RADIUS), len(frames) - 1)])
    return min(lo, changed_lo), max(hi, changed_hi)


def features_from_mask(mask: np.ndarray) -> tuple[float, float, float]:
    """(area, box centre x, box centre y) of a boolean mask, as the app stores area and bbox."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0, 0.0, 0.0
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    return float(len(xs)), (x0 + x1) / 2.0, (y0 + y1) / 2.0
