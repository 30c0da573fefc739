"""J&F of one annotation set of a video against another (DAVIS protocol, see jf.py).

An annotation set is chosen by a selector: `{"import": <import job id>}` (the objects an
import created), `{"user": "<username>"}` (live objects that user drew, imports excluded) or
`{"objects": [ids]}`. Candidate objects are paired with reference objects either
explicitly (`pairs`) or, as DAVIS 2017's unsupervised evaluation does, by a Hungarian
assignment (scipy's linear_sum_assignment) maximising the sum over pairs of the mean over
the evaluated frames of (J + F) / 2, with empty candidates added when there are fewer
candidates than references. Each reference object is scored against its candidate's
masks (empty where the candidate has none, and on every frame when it has no candidate);
unpaired candidates are listed but do not lower the score.

Protocols (`protocol`): "semi-supervised" (DAVIS 2017, the default): the first and the
last of the evaluated frames are left out, as the DAVIS evaluation does (the first frame
is the given mask); "all-frames": every evaluated frame counts.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from pycocotools import mask as mask_utils

from webapp.annotations.models import FrameMask, Object
from webapp.exports import jf
from webapp.exports import masks as M
from webapp.exports.models import ImportJob


class EvaluationError(ValueError):
    """A bad request; the message is shown to the user."""


SEMI_SUPERVISED = "semi-supervised"
ALL_FRAMES = "all-frames"
PROTOCOLS = (SEMI_SUPERVISED, ALL_FRAMES)


MAX_ID = 2**63 - 1  # database ids are 64-bit; anything larger cannot exist


def _id(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EvaluationError(f"{what} must be an integer id, not {type(value).__name__} {value!r:.40}")
    if not 0 < value <= MAX_ID:
        raise EvaluationError(f"{what} {value!r:.40} is not a valid id")
    return value


def select(video, selector) -> list[Object]:
    if not isinstance(selector, dict) or len(selector) != 1:
        raise EvaluationError(
            'a selector is one of {"import": id}, {"user": "name"}, {"objects": [ids]}'
        )
    (kind, value), = selector.items()
    live = Object.objects.filter(video=video, deleted=False)
    if kind == "import":
        value = _id(value, "import")
        job = ImportJob.objects.filter(pk=value, video=video).first()
        if job is None:
            raise EvaluationError(f"import {value} does not belong to this video")
        qs = live.filter(pk__in=job.created_objects.values("pk"))
    elif kind == "user":
        if not isinstance(value, str) or not value:
            raise EvaluationError("user must be a username (a string)")
        # What the user drew, not what they imported (imports are sets of their own).
        imported = ImportJob.created_objects.through.objects.values("object_id")
        qs = live.filter(created_by__username=value).exclude(pk__in=imported)
    elif kind == "objects":
        if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise EvaluationError("objects must be a list of object ids")
        for v in value:
            _id(v, "object")
        qs = live.filter(pk__in=value)
        if qs.count() != len(set(value)):
            raise EvaluationError("some objects do not exist in this video")
    else:
        raise EvaluationError(f"unknown selector {kind!r}")
    return list(qs.order_by("id"))


def _load(objects: list[Object], frames: set[int]) -> dict[int, dict[int, dict]]:
    out: dict[int, dict[int, dict]] = {o.pk: {} for o in objects}
    rows = (
        FrameMask.objects.filter(object_id__in=list(out))
        .values_list("object_id", "frame", "rle")
        .iterator(chunk_size=2000)
    )
    for oid, frame, rle in rows:
        if frame in frames and M.area(rle) > 0:
            out[oid][frame] = rle
    return out


def _rle_iou(a: dict | None, b: dict | None) -> float:
    if a is None and b is None:
        return 1.0
    if a is None or b is None:
        return 0.0
    return float(mask_utils.iou([M.to_bytes_rle(a)], [M.to_bytes_rle(b)], [0])[0][0])


def pair_measures(g_rle: dict | None, p_rle: dict | None, empty: np.ndarray) -> tuple[float, float]:
    """(J, F) of one candidate mask against one reference mask (None = empty)."""
    if g_rle is None and p_rle is None:
        return 1.0, 1.0
    if g_rle is None or p_rle is None:
        return 0.0, 0.0
    g, p = M.decode(g_rle), M.decode(p_rle)
    return jf.jaccard(p, g), f_cropped(p, g)


def assign(scores: np.ndarray) -> list[tuple[int, int]]:
    """Hungarian assignment maximising the total score: (row, column) pairs, one per row
    when there are at least as many columns as rows."""
    from scipy.optimize import linear_sum_assignment

    if scores.size == 0:
        return []
    rows, cols = linear_sum_assignment(-scores)
    return [(int(r), int(c)) for r, c in zip(rows, cols)]


def match(ref: dict, cand: dict, frames: list[int], shape: tuple[int, int],
          progress: Callable[[float], None] | None = None) -> tuple[list, dict]:
    """DAVIS 2017 unsupervised pairing: Hungarian on the mean over `frames` of (J + F)/2,
    candidates padded with empty masks up to the number of references. Returns
    ([(ref, cand or None, score)], {(ref, cand): (Js, Fs)}) with the per-frame values of
    the chosen pairs, so they are not computed twice."""
    r_ids, c_ids = list(ref), list(cand)
    empty = np.zeros(shape, dtype=np.uint8)
    n_cols = max(len(c_ids), len(r_ids))
    scores = np.zeros((len(r_ids), n_cols))
    values: dict[tuple, tuple[list, list]] = {}
    total = max(1, len(r_ids) * n_cols)
    for i, r in enumerate(r_ids):
        for k in range(n_cols):
            c = c_ids[k] if k < len(c_ids) else None
            js, fs = [], []
            for f in frames:
                j_val, f_val = pair_measures(ref[r].get(f), cand[c].get(f) if c else None, empty)
                js.append(j_val)
                fs.append(f_val)
            values[(r, c)] = (js, fs)
            scores[i, k] = (float(np.mean(js)) + float(np.mean(fs))) / 2 if frames else 0.0
            if progress:
                progress(1 / total)
    pairs = []
    for i, k in assign(scores):
        c = c_ids[k] if k < len(c_ids) else None
        pairs.append((r_ids[i], c, float(scores[i, k])))
    return pairs, values


def f_cropped(pred: np.ndarray, gt: np.ndarray, bound_th: float = jf.BOUND_TH) -> float:
    """jf.f_measure on the union's bounding box padded by the tolerance plus two pixels:
    the same value (nothing outside can be a boundary or a match), many times faster."""
    h, w = gt.shape
    union = pred.astype(bool) | gt.astype(bool)
    rows = np.flatnonzero(union.any(axis=1))
    if rows.size == 0:
        return 1.0
    cols = np.flatnonzero(union.any(axis=0))
    pad = jf.bound_pixels(h, w, bound_th) + 2
    y0, y1 = max(0, rows[0] - pad), min(h, rows[-1] + pad + 1)
    x0, x1 = max(0, cols[0] - pad), min(w, cols[-1] + pad + 1)
    return _f_with_radius(pred[y0:y1, x0:x1], gt[y0:y1, x0:x1], jf.bound_pixels(h, w, bound_th))


def _f_with_radius(pred, gt, radius: int) -> float:
    return jf.f_measure(pred, gt, bound_th=float(max(radius, 1)))


def evaluate(video, ref_objs: list[Object], cand_objs: list[Object], *, stride: int = 1,
             annotated_only: bool = False, pairs: list | None = None,
             protocol: str = SEMI_SUPERVISED, frame_values: bool = False,
             progress: Callable[[float], None] | None = None) -> dict:
    """With `frame_values`, each object also carries `frames_j` and `frames_f` (J and F per
    evaluated frame, like `frames_jf`); stored evaluations leave them out (size)."""
    if protocol not in PROTOCOLS:
        raise EvaluationError(f"protocol must be one of {', '.join(PROTOCOLS)}")
    if not ref_objs:
        raise EvaluationError("the reference set has no objects")
    overlap = {o.pk for o in ref_objs} & {o.pk for o in cand_objs}
    if overlap:
        raise EvaluationError(f"objects {sorted(overlap)} are in both sets")
    all_frames = list(range(0, video.num_frames, max(1, stride)))
    ref = _load(ref_objs, set(all_frames))
    cand = _load(cand_objs, set(all_frames))
    frames = all_frames
    if annotated_only:
        marked = set().union(*(set(m) for m in ref.values()))
        frames = [f for f in all_frames if f in marked]
    if protocol == SEMI_SUPERVISED:
        if len(frames) < 3:
            raise EvaluationError(
                f"the semi-supervised protocol leaves out the first and last frames, and "
                f"this selection has {len(frames)}; use protocol all-frames")
        frames = frames[1:-1]
    if not frames:
        raise EvaluationError("no frames to evaluate")
    h, w = video.height, video.width
    computed: dict[tuple, tuple[list, list]] = {}
    if pairs:
        matched = []
        for p in pairs:
            if not (isinstance(p, (list, tuple)) and len(p) == 2):
                raise EvaluationError("pairs are [reference id, candidate id]")
            r, c = int(p[0]), int(p[1])
            if r not in ref or c not in cand:
                raise EvaluationError(f"pair {[r, c]} is not (reference, candidate) of these sets")
            matched.append((r, c, None))
        if len({m[0] for m in matched}) != len(matched) or len({m[1] for m in matched}) != len(matched):
            raise EvaluationError("each object may appear in one pair only")
    else:
        # Pairing is most of the work: it scores every (reference, candidate) pair.
        matched, computed = match(ref, cand, frames, (h, w), progress)
    partner = {r: c for r, c, _ in matched if c is not None}
    empty = np.zeros((h, w), dtype=np.uint8)
    per_obj: dict[int, dict[str, list[float]]] = {}
    for r in ref:
        c = partner.get(r)
        if (r, c) in computed:
            js, fs = computed[(r, c)]
        else:
            js, fs = [], []
            for f in frames:
                j_val, f_val = pair_measures(ref[r].get(f), cand[c].get(f) if c else None, empty)
                js.append(j_val)
                fs.append(f_val)
            if progress and pairs:
                progress(1 / len(ref))
        per_obj[r] = {"J": js, "F": fs}
    objects = []
    for r in ref:
        js, fs = jf.stats(per_obj[r]["J"]), jf.stats(per_obj[r]["F"])
        objects.append({
            "reference_id": r, "candidate_id": partner.get(r),
            "J": js.as_dict(), "F": fs.as_dict(), "JF": (js.mean + fs.mean) / 2,
            # (J+F)/2 on each evaluated frame, in the order of `frames` (4 decimals).
            "frames_jf": [round((a + b) / 2, 4) for a, b in zip(per_obj[r]["J"], per_obj[r]["F"])],
        })
        if frame_values:
            objects[-1]["frames_j"] = [round(v, 4) for v in per_obj[r]["J"]]
            objects[-1]["frames_f"] = [round(v, 4) for v in per_obj[r]["F"]]
    per_frame = []
    for i, f in enumerate(frames):
        jv = float(np.mean([per_obj[r]["J"][i] for r in ref]))
        fv = float(np.mean([per_obj[r]["F"][i] for r in ref]))
        per_frame.append({"frame": f, "J": jv, "F": fv, "JF": (jv + fv) / 2})
    j_mean = float(np.mean([o["J"]["mean"] for o in objects]))
    f_mean = float(np.mean([o["F"]["mean"] for o in objects]))
    overall = {
        "J": {k: _mean(o["J"][k] for o in objects) for k in ("mean", "recall", "decay")},
        "F": {k: _mean(o["F"][k] for o in objects) for k in ("mean", "recall", "decay")},
        "JF": (j_mean + f_mean) / 2,
        "frames": len(frames),
        "objects": len(objects),
        "bound_pixels": jf.bound_pixels(h, w),
    }
    return {
        "protocol": protocol,
        "pairing": "explicit" if pairs else "hungarian",
        "overall": overall,
        "objects": objects,
        "frames": per_frame,
        "unmatched_candidates": sorted(set(cand) - set(partner.values())),
    }


def _mean(values) -> float | None:
    v = [x for x in values if x is not None and not math.isnan(x)]
    return float(np.mean(v)) if v else None
