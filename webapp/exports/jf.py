"""J&F per the DAVIS protocol on binary masks (pure numpy/OpenCV, no Django).

J is the region similarity (IoU). F is the boundary F-measure: the boundary pixels of
each mask are matched to the other's within a tolerance of ceil(0.008 × image diagonal)
pixels (a disk), precision/recall over boundary pixels, F = 2PR/(P+R). Conventions as
in the DAVIS 2017 evaluation: two empty masks give J = 1 and F = 1; exactly one empty
mask gives J = 0 and F = 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

BOUND_TH = 0.008


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(bool, copy=False)
    b = b.astype(bool, copy=False)
    union = np.count_nonzero(a | b)
    if union == 0:
        return 1.0
    return np.count_nonzero(a & b) / union


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """The DAVIS boundary map: a pixel is on the boundary when it differs from its right,
    lower or lower-right neighbour (so the row of pixels just outside a region's left/top
    edge counts, as in DAVIS). The last row compares only to the right, the last column
    only downwards, and the bottom-right corner is never a boundary."""
    seg = mask.astype(bool, copy=False)
    right = np.zeros_like(seg)
    down = np.zeros_like(seg)
    diag = np.zeros_like(seg)
    right[:, :-1] = seg[:, 1:]
    down[:-1, :] = seg[1:, :]
    diag[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ right) | (seg ^ down) | (seg ^ diag)
    b[-1, :] = seg[-1, :] ^ right[-1, :]
    b[:, -1] = seg[:, -1] ^ down[:, -1]
    b[-1, -1] = False
    return b


def bound_pixels(height: int, width: int, bound_th: float = BOUND_TH) -> int:
    if bound_th >= 1:
        return int(bound_th)
    return int(math.ceil(bound_th * math.hypot(height, width)))


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return (x * x + y * y <= radius * radius).astype(np.uint8)


def f_measure(pred: np.ndarray, gt: np.ndarray, bound_th: float = BOUND_TH) -> float:
    """Boundary F-measure of `pred` against `gt`."""
    h, w = gt.shape
    r = bound_pixels(h, w, bound_th)
    pb = boundary_map(pred)
    gb = boundary_map(gt)
    n_p = int(np.count_nonzero(pb))
    n_g = int(np.count_nonzero(gb))
    if n_p == 0 and n_g == 0:
        return 1.0
    if n_p == 0 or n_g == 0:
        return 0.0
    kernel = _disk(r)
    p_dil = cv2.dilate(pb.view(np.uint8), kernel).astype(bool)
    g_dil = cv2.dilate(gb.view(np.uint8), kernel).astype(bool)
    precision = np.count_nonzero(pb & g_dil) / n_p
    recall = np.count_nonzero(gb & p_dil) / n_g
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass
class Stats:
    mean: float
    recall: float  # fraction of frames above 0.5
    decay: float  # mean over the first quarter of frames minus the last quarter (DAVIS bins)

    def as_dict(self) -> dict:
        return {"mean": self.mean, "recall": self.recall, "decay": self.decay}


def stats(values: list[float], n_bins: int = 4) -> Stats:
    """DAVIS summary statistics of one object's per-frame values. The quarter edges are
    DAVIS's round(linspace(1, n, 5)) - 1, kept as ints: the DAVIS code casts them to uint8,
    which wraps past 255 frames; here they stay four quarters at any length."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return Stats(float("nan"), float("nan"), float("nan"))
    mean = float(np.nanmean(v))
    recall = float(np.nanmean(v > 0.5))
    edges = np.round(np.linspace(1, v.size, n_bins + 1) + 1e-10).astype(int) - 1
    bins = [v[edges[i] : edges[i + 1] + 1] for i in range(n_bins)]
    with np.errstate(all="ignore"):
        first = float(np.nanmean(bins[0])) if bins[0].size else float("nan")
        last = float(np.nanmean(bins[-1])) if bins[-1].size else float("nan")
    return Stats(mean, recall, first - last)
