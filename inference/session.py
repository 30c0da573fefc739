"""One SAM 2 session per video: prompts, propagation and bounded memory, in video pixels and COCO RLE."""

from __future__ import annotations

import bisect
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from . import features
from .frames import FrameSource
from .model import LoadedModel
from .rle import decode_rle, encode_mask, rle_area, rle_bbox

log = logging.getLogger(__name__)

Direction = Literal["forward", "backward", "both"]
PromptKind = Literal["point", "box", "mask"]

# Shared markers for `frames_tracked_per_obj`, so a long video costs one dict slot per frame.
_TRACKED_FWD = {"reverse": False}
_TRACKED_REV = {"reverse": True}


class InvalidPrompt(ValueError):
    """A prompt or request the engine cannot apply (wrong shapes, unknown direction...)."""


class OutOfRange(InvalidPrompt):
    """A frame, point or box outside the video. Never clamped silently."""


@dataclass(frozen=True)
class ObjectMask:
    object_id: int
    rle: dict  # {"size": [h, w], "counts": str}, as pycocotools.mask.encode gives
    score: float  # sigmoid of SAM 2's object-presence logit
    area: int
    bbox: list[float]  # [x, y, w, h]
    iou: float | None = None  # SAM 2's predicted IoU of this mask; None if empty or unknown


@dataclass(frozen=True)
class FrameResult:
    frame: int
    masks: list[ObjectMask]


@dataclass(frozen=True)
class PromptRecord:
    """One entry of a video's prompt log; `Session.replay` rebuilds a session from these."""

    kind: PromptKind
    object_id: int
    frame: int
    points: list[list[float]] | None = None
    labels: list[int] | None = None
    box: list[float] | None = None
    clear_old: bool = False
    rle: dict | None = None


@dataclass
class _Pass:
    """Bookkeeping for the memory trimming of one propagation pass."""

    start: int
    reverse: bool
    keep: dict[int, list[int]] = field(default_factory=dict)  # obj_idx -> sorted anchor frames


class Session:
    """SAM 2 state of one video, driven through the official `SAM2VideoPredictor`.

    Clicks, boxes and masks call the predictor's own `add_new_points_or_box` /
    `add_new_mask`. Propagation mirrors `propagate_in_video` frame by frame (same calls in
    the same order, so masks are identical) and adds what a labeling tool needs: an object
    subset, a cancel check per frame, read-ahead of frames, and trimming of per-frame
    outputs that fall outside SAM 2's memory window.

    Thread-safety: every operation holds the session lock; propagation takes it per frame,
    so a click from another thread interleaves between two frames instead of waiting for
    the whole propagation. A prompt that arrives mid-propagation applies to the next one.
    """

    def __init__(
        self,
        model: LoadedModel,
        frames: FrameSource,
        *,
        trim: bool = True,
        read_ahead: int = 8,
        features_ahead: bool | None = None,
    ) -> None:
        if frames.image_size != model.info.image_size:
            raise ValueError(
                f"frame source is preprocessed for {frames.image_size}px, "
                f"the model wants {model.info.image_size}px"
            )
        self.model = model
        self.frames = frames
        self.trim = trim
        self.read_ahead = read_ahead
        self._p = model.predictor
        self._lock = threading.RLock()
        # Frames a propagation reads behind its front: non-conditioning mask memories
        # (num_maskmem - 1, strided) and object pointers (max_obj_ptrs_in_encoder - 1).
        stride = max(1, int(self._p.memory_temporal_stride_for_eval))
        self.window = max(
            (int(self._p.num_maskmem) - 1) * stride,
            int(self._p.max_obj_ptrs_in_encoder) - 1,
            1,
        )
        self._state = self._new_state()
        # Bumped when object indices shift (remove_object, reset): a running propagation
        # holds indices, so it stops instead of tracking the wrong objects.
        self._epoch = 0
        # Mask prompts as given, by (object, frame). SAM 2 takes a mask input as that frame's
        # output, but at its low resolution, which rounds off a brush's fine edges; results
        # report the given mask there instead, so what an annotator paints is what is stored.
        # The model's memory still comes from its own encoding of the mask.
        self._given: dict[tuple[int, int], dict] = {}
        # The next frame's image encoder beside this frame's tracking (inference.features);
        # None: where it pays (CPU, two cores or more).
        if features_ahead is None:
            features_ahead = features.wanted(model.device)
        self._ahead = None
        if features_ahead:
            self._ahead = features.FeaturesAhead(
                self._p, lambda i: self.frames[i], model.device, self._ctx)

    # -- state ---------------------------------------------------------------------------
    def _new_state(self) -> dict[str, Any]:
        """The dict `SAM2VideoPredictor.init_state` builds, but over our lazy frames."""
        device = self.model.device
        return {
            "images": self.frames,
            "num_frames": self.frames.num_frames,
            "offload_video_to_cpu": False,
            "offload_state_to_cpu": False,
            "video_height": self.frames.height,
            "video_width": self.frames.width,
            "device": device,
            "storage_device": device,
            "point_inputs_per_obj": {},
            "mask_inputs_per_obj": {},
            "cached_features": {},
            "constants": {},
            "obj_id_to_idx": OrderedDict(),
            "obj_idx_to_id": OrderedDict(),
            "obj_ids": [],
            "output_dict_per_obj": {},
            "temp_output_dict_per_obj": {},
            "frames_tracked_per_obj": {},
        }

    @property
    def inference_state(self) -> dict[str, Any]:
        """The raw sam2 inference state (for tests and diagnostics)."""
        return self._state

    @property
    def object_ids(self) -> list[int]:
        with self._lock:
            return list(self._state["obj_ids"])

    @property
    def num_frames(self) -> int:
        return self.frames.num_frames

    def _ctx(self):
        return _Ctx(self.model)

    # -- validation ----------------------------------------------------------------------
    def _check_frame(self, frame: int) -> int:
        if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)):
            raise InvalidPrompt(f"frame must be an integer, got {frame!r}")
        if not 0 <= frame < self.frames.num_frames:
            raise OutOfRange(f"frame {frame} outside [0, {self.frames.num_frames})")
        return int(frame)

    def _check_xy(self, x: float, y: float, what: str) -> None:
        if not (np.isfinite(x) and np.isfinite(y)):
            raise InvalidPrompt(f"{what} has a non-finite coordinate")
        if not (0 <= x <= self.frames.width and 0 <= y <= self.frames.height):
            raise OutOfRange(
                f"{what} ({x}, {y}) outside the {self.frames.width}x{self.frames.height} video"
            )

    # -- prompts -------------------------------------------------------------------------
    def add_prompt(
        self,
        object_id: int,
        frame: int,
        points: list[list[float]] | None = None,
        labels: list[int] | None = None,
        box: list[float] | None = None,
        clear_old: bool = False,
    ) -> FrameResult:
        """Clicks and/or a box for one object on one frame; returns every object's mask there.

        Points accumulate on the (object, frame) unless `clear_old`. A box replaces the
        frame's earlier prompts for that object (SAM 2 needs the box before any click).
        """
        with self._lock:
            video_res = self._apply_points(object_id, frame, points, labels, box, clear_old)
            return self._frame_result(self._check_frame(frame), video_res)

    def _apply_points(self, object_id, frame, points, labels, box, clear_old) -> None:
        frame = self._check_frame(frame)
        object_id = _check_object_id(object_id)
        if (points is None) != (labels is None):
            raise InvalidPrompt("points and labels go together")
        if points is None and box is None:
            raise InvalidPrompt("a prompt needs points or a box")
        pts = None
        lbs = None
        if points is not None:
            try:
                pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
                lbs = np.asarray(labels, dtype=np.int64).reshape(-1)
            except (TypeError, ValueError) as exc:
                raise InvalidPrompt(f"malformed points or labels: {exc}") from None
            if len(pts) != len(lbs) or len(pts) == 0 and box is None:
                raise InvalidPrompt("each point needs exactly one label")
            if not np.isin(lbs, (0, 1)).all():
                raise InvalidPrompt("labels must be 1 (positive) or 0 (negative)")
            for x, y in pts:
                self._check_xy(float(x), float(y), "point")
        bx = None
        if box is not None:
            try:
                bx = np.asarray(box, dtype=np.float32).reshape(4)
            except (TypeError, ValueError):
                raise InvalidPrompt("box must be [x0, y0, x1, y1]") from None
            self._check_xy(float(bx[0]), float(bx[1]), "box corner")
            self._check_xy(float(bx[2]), float(bx[3]), "box corner")
            if bx[2] < bx[0] or bx[3] < bx[1]:
                raise InvalidPrompt("box must be [x0, y0, x1, y1] with x0 <= x1 and y0 <= y1")
            clear_old = True
        self._given.pop((object_id, frame), None)  # clicks refine it: the model's answer wins
        self._p.last_pred_iou = None
        with self._ctx():
            _, _, video_res = self._p.add_new_points_or_box(
                self._state,
                frame_idx=frame,
                obj_id=object_id,
                points=pts,
                labels=lbs,
                clear_old_points=bool(clear_old),
                normalize_coords=True,
                box=bx,
            )
        self._keep_iou(object_id, frame)
        return video_res

    def add_mask(self, object_id: int, frame: int, mask: np.ndarray) -> FrameResult:
        """A whole mask (bool HxW at video resolution) as the prompt for one object on one frame."""
        with self._lock:
            video_res = self._apply_mask(object_id, frame, mask)
            return self._frame_result(self._check_frame(frame), video_res)

    def _apply_mask(self, object_id, frame, mask) -> None:
        frame = self._check_frame(frame)
        object_id = _check_object_id(object_id)
        mask = np.asarray(mask)
        if mask.shape != (self.frames.height, self.frames.width):
            raise InvalidPrompt(
                f"mask shape {mask.shape} is not the video's {(self.frames.height, self.frames.width)}"
            )
        with self._ctx():
            _, _, video_res = self._p.add_new_mask(
                self._state,
                frame_idx=frame,
                obj_id=object_id,
                mask=torch.from_numpy(mask.astype(bool, copy=False)),
            )
        self._keep_iou(object_id, frame)
        self._given[(object_id, frame)] = encode_mask(mask.astype(bool, copy=False))
        return video_res

    def _keep_iou(self, object_id: int | None, frame: int, out: dict | None = None) -> None:
        """Attach the IoU SAM 2 predicted for the output it just made (inference/model.py
        `_keep_predicted_iou`) to that output, as `pred_iou`; it lives and goes with it."""
        iou = getattr(self._p, "last_pred_iou", None)
        self._p.last_pred_iou = None
        if out is None and object_id is not None:
            idx = self._state["obj_id_to_idx"].get(object_id)
            out = None if idx is None else _find_output(self._state, idx, frame)
        if out is not None and iou is not None:
            out["pred_iou"] = iou.reshape(-1)[:1]

    def remove_object(self, object_id: int) -> None:
        with self._lock, self._ctx():
            if object_id in self._state["obj_id_to_idx"]:
                self._epoch += 1
            self._p.remove_object(self._state, object_id, strict=False, need_output=False)
            self._given = {k: v for k, v in self._given.items() if k[0] != object_id}

    def reset(self) -> None:
        """Forget every object, prompt and tracked frame (frames stay cached)."""
        with self._lock, self._ctx():
            self._epoch += 1
            self._p.reset_state(self._state)
            self._given = {}
            self._state["cached_features"] = {}

    def replay(self, prompts: Iterable[PromptRecord]) -> None:
        """Reset, then apply a prompt log in order (how an evicted session is rebuilt).

        Prompts replay as they were given; a correction that originally followed a
        propagation replays before any propagation, i.e. as a conditioning prompt.
        """
        with self._lock:
            self.reset()
            for rec in prompts:
                self.apply(rec)

    def apply(self, rec: PromptRecord) -> None:
        """Apply one prompt-log entry without building a result."""
        with self._lock:
            if rec.kind in ("point", "box"):
                self._apply_points(
                    rec.object_id, rec.frame, rec.points, rec.labels, rec.box, rec.clear_old
                )
            elif rec.kind == "mask":
                if rec.rle is None:
                    raise InvalidPrompt("a mask prompt needs its rle")
                self._apply_mask(rec.object_id, rec.frame, decode_rle(rec.rle))
            else:
                raise InvalidPrompt(f"unknown prompt kind {rec.kind!r}")

    # -- results -------------------------------------------------------------------------
    def _frame_result(self, frame: int, video_res: torch.Tensor | None = None) -> FrameResult:
        """Masks of every object that has an output on `frame` (prompted or tracked).

        Objects without one (never tracked there, or trimmed) are left out rather than
        reported empty, so a caller never overwrites a stored mask with a blank.
        """
        st = self._state
        outs = []
        rows = []
        for obj_idx, obj_id in enumerate(st["obj_ids"]):
            out = _find_output(st, obj_idx, frame)
            if out is not None:
                outs.append((obj_id, out))
                rows.append(obj_idx)
        if not outs:
            return FrameResult(frame=frame, masks=[])
        with self._ctx():
            if video_res is not None:
                # The predictor already resized every object to video resolution.
                if len(rows) != video_res.shape[0]:
                    video_res = video_res[rows]
            else:
                low = torch.cat([out["pred_masks"] for _, out in outs], dim=0)
                _, video_res = self._p._get_orig_video_res_output(st, low)
        return FrameResult(frame=frame, masks=self._encode(frame, video_res, outs))

    def _encode(self, frame: int, video_res: torch.Tensor,
                outs: list[tuple[int, dict]]) -> list[ObjectMask]:
        binary = (video_res[:, 0] > 0.0).cpu().numpy()
        scores = torch.cat([out["object_score_logits"].reshape(-1)[:1] for _, out in outs])
        unknown = scores.new_full((1,), float("nan"))
        ious = torch.cat([out.get("pred_iou", unknown).to(scores) for _, out in outs])
        # One transfer for both: [object scores, predicted IoUs].
        both = torch.stack([torch.sigmoid(scores.float()), ious.float().clamp(0, 1)]).cpu()
        scores, ious = both.tolist()
        result = []
        for i, (obj_id, _) in enumerate(outs):
            rle = self._given.get((int(obj_id), frame)) or encode_mask(binary[i])
            area = rle_area(rle)
            iou = ious[i]
            result.append(
                ObjectMask(
                    object_id=int(obj_id),
                    rle=rle,
                    score=float(scores[i]),
                    area=area,
                    bbox=rle_bbox(rle),
                    iou=None if area == 0 or iou != iou else float(iou),
                )
            )
        return result

    def masks_on(self, frame: int) -> FrameResult:
        """The current masks on a frame, without running the model."""
        with self._lock:
            return self._frame_result(self._check_frame(frame))

    # -- propagation ---------------------------------------------------------------------
    def propagate(
        self,
        start_frame: int | None = None,
        direction: Direction = "forward",
        max_frames: int | None = None,
        objects: Collection[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> Iterator[FrameResult]:
        """Track objects through the video; yields each frame's masks as soon as it is done.

        - `start_frame` defaults to the first conditioning frame (forward, both) or the
          last one (backward). "both" runs forward from the start, then backward from
          the frame before it, so every frame is yielded once.
        - `max_frames` caps the frames per direction, the start frame included.
        - `objects` limits tracking to those object ids; the others keep their state.
        - `cancel()` is checked before every frame; returning True stops cleanly.

        Arguments are checked now; the work happens as the generator is consumed.
        """
        if direction not in ("forward", "backward", "both"):
            raise InvalidPrompt(f"direction must be forward, backward or both, not {direction!r}")
        if start_frame is not None:
            start_frame = self._check_frame(start_frame)
        if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 1):
            raise InvalidPrompt("max_frames must be a positive integer")
        with self._lock:
            st = self._state
            if objects is None:
                obj_idxs = list(range(len(st["obj_ids"])))
            else:
                wanted = {_check_object_id(o) for o in objects}
                obj_idxs = [i for i, oid in enumerate(st["obj_ids"]) if oid in wanted]
            if not obj_idxs:
                raise InvalidPrompt("nothing to propagate: no prompted objects selected")
            with self._ctx():
                try:
                    self._p.propagate_in_video_preflight(st)
                except RuntimeError as exc:  # an object without any prompt
                    raise InvalidPrompt(str(exc)) from None
            if start_frame is None:
                conds = [
                    t
                    for i in obj_idxs
                    for t in st["output_dict_per_obj"][i]["cond_frame_outputs"]
                ]
                start_frame = max(conds) if direction == "backward" else min(conds)
            epoch = self._epoch
        return self._propagate(start_frame, direction, max_frames, obj_idxs, cancel, epoch)

    def _propagate(
        self, start, direction, max_frames, obj_idxs, cancel, epoch
    ) -> Iterator[FrameResult]:
        n = self.frames.num_frames
        cap = n if max_frames is None else max_frames
        passes: list[tuple[bool, list[int]]] = []
        if direction in ("forward", "both"):
            passes.append((False, list(range(start, min(n, start + cap)))))
        if direction == "backward":
            passes.append((True, list(range(start, max(-1, start - cap), -1))))
        elif direction == "both":
            passes.append((True, list(range(start - 1, max(-1, start - 1 - cap), -1))))
        for n_pass, (reverse, order) in enumerate(passes):
            if not order:
                continue
            with self._lock:
                if self._epoch != epoch:
                    return
                # Only the first pass drops leftovers: the forward tail of "both" stays,
                # so a correction near the end still finds its memory window.
                plan = self._begin_pass(start, reverse, obj_idxs, drop_leftovers=n_pass == 0)
            try:
                for i, frame_idx in enumerate(order):
                    if cancel is not None and cancel():
                        return
                    self.frames.prefetch(order[i + 1 : i + 1 + self.read_ahead])
                    with self._lock:
                        if self._epoch != epoch:
                            log.info("propagation stopped: objects changed under it")
                            return
                        self._features_for(frame_idx, order[i + 1 : i + 2])
                        result = self._track_frame(frame_idx, reverse, obj_idxs, plan)
                    yield result
            finally:
                if self._ahead is not None:
                    self._ahead.clear()

    def _features_for(self, frame_idx: int, following: list[int]) -> None:
        """Hand upstream the encoder output computed ahead for `frame_idx`, if any, and queue
        the next frame's (inference.features)."""
        if self._ahead is None:
            return
        got = self._ahead.take(frame_idx)
        self._ahead.want(following)
        if got is not None:
            self._state["cached_features"] = {frame_idx: got}  # as upstream caches its own

    def _begin_pass(
        self, start: int, reverse: bool, obj_idxs: list[int], drop_leftovers: bool = True
    ) -> _Pass:
        """Drop leftovers of earlier passes that this pass (and later clicks) cannot reach."""
        st = self._state
        plan = _Pass(start=start, reverse=reverse)
        w = self.window
        for obj_idx in obj_idxs:
            if obj_idx >= len(st["obj_ids"]):
                continue
            out_dict = st["output_dict_per_obj"][obj_idx]
            anchors = sorted(set(out_dict["cond_frame_outputs"]) | {start})
            plan.keep[obj_idx] = anchors
            if self.trim and drop_leftovers:
                non_cond = out_dict["non_cond_frame_outputs"]
                for t in [t for t in non_cond if not _near(anchors, t, w)]:
                    del non_cond[t]
        return plan

    def _track_frame(self, frame_idx: int, reverse: bool, obj_idxs: list[int], plan: _Pass):
        p = self._p
        st = self._state
        outs = []
        pred = []
        with self._ctx():
            for obj_idx in obj_idxs:
                obj_output_dict = st["output_dict_per_obj"][obj_idx]
                if frame_idx in obj_output_dict["cond_frame_outputs"]:
                    out = obj_output_dict["cond_frame_outputs"][frame_idx]
                    pred_masks = out["pred_masks"].to(st["device"], non_blocking=True)
                    if p.clear_non_cond_mem_around_input:
                        p._clear_obj_non_cond_mem_around_input(st, frame_idx, obj_idx)
                else:
                    out, pred_masks = p._run_single_frame_inference(
                        inference_state=st,
                        output_dict=obj_output_dict,
                        frame_idx=frame_idx,
                        batch_size=1,
                        is_init_cond_frame=False,
                        point_inputs=None,
                        mask_inputs=None,
                        reverse=reverse,
                        run_mem_encoder=True,
                    )
                    obj_output_dict["non_cond_frame_outputs"][frame_idx] = out
                    self._keep_iou(None, frame_idx, out)
                st["frames_tracked_per_obj"][obj_idx][frame_idx] = (
                    _TRACKED_REV if reverse else _TRACKED_FWD
                )
                outs.append((st["obj_ids"][obj_idx], out))
                pred.append(pred_masks)
            all_pred = torch.cat(pred, dim=0) if len(pred) > 1 else pred[0]
            _, video_res = p._get_orig_video_res_output(st, all_pred)
        if self.trim:
            self._trim_behind(frame_idx, reverse, obj_idxs, plan)
        return FrameResult(frame=frame_idx, masks=self._encode(frame_idx, video_res, outs))

    def _trim_behind(self, frame_idx: int, reverse: bool, obj_idxs: list[int], plan: _Pass) -> None:
        """The next frame reads at most `window` frames behind; older outputs can go.

        Outputs near a conditioning frame or the pass's start stay: a later pass from that
        anchor (e.g. the backward half of "both") reads them, exactly as upstream would.
        """
        w = self.window
        old = frame_idx + w if reverse else frame_idx - w
        st = self._state
        for obj_idx in obj_idxs:
            anchors = plan.keep.get(obj_idx, ())
            if _near(anchors, old, w):
                continue
            st["output_dict_per_obj"][obj_idx]["non_cond_frame_outputs"].pop(old, None)

    # -- accounting ----------------------------------------------------------------------
    def memory_bytes(self) -> int:
        """Bytes held by this session: model state tensors plus cached frames."""
        with self._lock:
            seen: set[tuple[int, int]] = set()
            total = 0
            for t in _iter_tensors(self._state, skip=("images",)):
                try:
                    storage = t.untyped_storage()
                    key = (storage.data_ptr(), storage.nbytes())
                except RuntimeError:  # pragma: no cover
                    key = (id(t), t.nbytes)
                if key in seen:
                    continue
                seen.add(key)
                total += key[1]
            return total + self.frames.cached_bytes()

    def stored_frames(self, object_id: int) -> dict[str, list[int]]:
        """Frames with stored outputs for one object (tests and diagnostics)."""
        with self._lock:
            idx = self._state["obj_id_to_idx"].get(object_id)
            if idx is None:
                return {"cond": [], "non_cond": []}
            d = self._state["output_dict_per_obj"][idx]
            return {
                "cond": sorted(d["cond_frame_outputs"]),
                "non_cond": sorted(d["non_cond_frame_outputs"]),
            }

    def close(self) -> None:
        with self._lock:
            self._state["cached_features"] = {}
            self.frames.close()


class _Ctx:
    """inference_mode plus bf16 autocast on CUDA, entered per operation (never across a yield)."""

    def __init__(self, model: LoadedModel) -> None:
        self._im = torch.inference_mode()
        self._ac = model.autocast()

    def __enter__(self):
        self._im.__enter__()
        self._ac.__enter__()
        return self

    def __exit__(self, *exc):
        self._ac.__exit__(*exc)
        self._im.__exit__(*exc)
        return False


def _check_object_id(object_id: Any) -> int:
    if isinstance(object_id, bool) or not isinstance(object_id, (int, np.integer)):
        raise InvalidPrompt(f"object_id must be an integer, got {object_id!r}")
    return int(object_id)


def _find_output(st: dict, obj_idx: int, frame: int) -> dict | None:
    temp = st["temp_output_dict_per_obj"][obj_idx]
    out_dict = st["output_dict_per_obj"][obj_idx]
    for d in (
        temp["cond_frame_outputs"],
        temp["non_cond_frame_outputs"],
        out_dict["cond_frame_outputs"],
        out_dict["non_cond_frame_outputs"],
    ):
        out = d.get(frame)
        if out is not None:
            return out
    return None


def _near(sorted_anchors, t: int, w: int) -> bool:
    if not sorted_anchors:
        return False
    i = bisect.bisect_left(sorted_anchors, t)
    if i < len(sorted_anchors) and sorted_anchors[i] - t <= w:
        return True
    return i > 0 and t - sorted_anchors[i - 1] <= w


def _iter_tensors(obj: Any, skip: tuple[str, ...] = ()) -> Iterator[torch.Tensor]:
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, torch.Tensor):
            yield cur
        elif isinstance(cur, dict):
            for k, v in cur.items():
                if k in skip:
                    continue
                stack.append(v)
        elif isinstance(cur, (list, tuple)):
            stack.extend(cur)
