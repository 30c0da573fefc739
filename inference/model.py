"""Builds the official SAM 2 video predictor: random-tiny test weights or Meta's checkpoints."""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import torch

from .config import RANDOM_TINY, EngineConfig

log = logging.getLogger(__name__)

# Hydra config file inside the sam2 package for each model name.
CONFIG_FILES = {
    RANDOM_TINY: "configs/sam2.1/sam2.1_hiera_t.yaml",
    "sam2.1_hiera_tiny": "configs/sam2.1/sam2.1_hiera_t.yaml",
    "sam2.1_hiera_small": "configs/sam2.1/sam2.1_hiera_s.yaml",
    "sam2.1_hiera_base_plus": "configs/sam2.1/sam2.1_hiera_b+.yaml",
    "sam2.1_hiera_large": "configs/sam2.1/sam2.1_hiera_l.yaml",
}

# The `random-tiny` test model: exactly the overrides in DESIGN.md, built after manual_seed(0).
RANDOM_TINY_OVERRIDES = [
    "++model.image_size=256",
    "++model.image_encoder.trunk.embed_dim=16",
    "++model.image_encoder.trunk.num_heads=1",
    "++model.image_encoder.trunk.stages=[1,1,2,1]",
    "++model.image_encoder.trunk.global_att_blocks=[3]",
    "++model.image_encoder.trunk.window_spec=[8,4,8,4]",
    "++model.image_encoder.neck.backbone_channel_list=[128,64,32,16]",
    "++model.image_encoder.neck.d_model=64",
    "++model.image_encoder.neck.position_encoding.num_pos_feats=64",
    "++model.memory_attention.d_model=64",
    "++model.memory_attention.num_layers=1",
    "++model.memory_attention.layer.d_model=64",
    "++model.memory_attention.layer.dim_feedforward=256",
    "++model.memory_attention.layer.self_attention.embedding_dim=64",
    "++model.memory_attention.layer.self_attention.feat_sizes=[16,16]",
    "++model.memory_attention.layer.cross_attention.embedding_dim=64",
    "++model.memory_attention.layer.cross_attention.feat_sizes=[16,16]",
    "++model.memory_attention.layer.cross_attention.kv_in_dim=32",
    "++model.memory_encoder.in_dim=64",
    "++model.memory_encoder.out_dim=32",
    "++model.memory_encoder.position_encoding.num_pos_feats=32",
    "++model.memory_encoder.mask_downsampler.embed_dim=64",
    "++model.memory_encoder.fuser.layer.dim=64",
    "++model.memory_encoder.fuser.num_layers=1",
]

_build_lock = threading.Lock()


@dataclass(frozen=True)
class ModelInfo:
    name: str
    random_weights: bool
    device: str
    image_size: int
    checkpoint: str | None


@dataclass
class LoadedModel:
    """The official `SAM2VideoPredictor` plus what the UI needs to know about it."""

    predictor: Any  # sam2.sam2_video_predictor.SAM2VideoPredictor
    info: ModelInfo

    @property
    def device(self) -> torch.device:
        return torch.device(self.info.device)

    def autocast(self):
        """bf16 autocast on CUDA (as upstream recommends); a no-op context on CPU."""
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return torch.autocast("cpu", enabled=False)


def has_sam2_extension() -> bool:
    try:
        from sam2 import _C  # noqa: F401
    except Exception:
        return False
    return True


def _ensure_hydra() -> None:
    """`import sam2` initialises Hydra globally; make sure it points at sam2's configs."""
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    import sam2  # noqa: F401  (initialises Hydra on first import)

    gh = GlobalHydra.instance()
    if gh.is_initialized():
        try:
            if gh.config_loader().repository.config_exists(CONFIG_FILES[RANDOM_TINY]):
                return
        except Exception:  # pragma: no cover - depends on hydra internals
            pass
        gh.clear()
    initialize_config_module("sam2", version_base="1.2")


def _fp32_memory_attention(module: torch.nn.Module) -> None:
    """Cast bf16-stored memories to the query dtype when not under autocast.

    The predictor stores `maskmem_features` in bf16. Under CUDA autocast that is fine, but on
    CPU (no autocast) some paths, e.g. reverse tracking, feed a pure-bf16 memory into fp32
    linear layers: `mat1 and mat2 must have the same dtype` (upstream issue #308). Casting
    bf16 -> fp32 is exact, so forward results are unchanged where upstream already worked.
    """
    original = module.forward

    def forward(curr, memory, curr_pos=None, memory_pos=None, num_obj_ptr_tokens=0):
        if not torch.is_autocast_enabled(memory.device.type):
            want = curr[0].dtype if isinstance(curr, list) else curr.dtype
            if memory.dtype != want:
                memory = memory.to(want)
            if memory_pos is not None and memory_pos.dtype != want:
                memory_pos = memory_pos.to(want)
        return original(
            curr=curr,
            memory=memory,
            curr_pos=curr_pos,
            memory_pos=memory_pos,
            num_obj_ptr_tokens=num_obj_ptr_tokens,
        )

    module.forward = forward


def pick_device(requested: str | None) -> str:
    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def _keep_predicted_iou(predictor) -> None:
    """SAM 2's mask decoder predicts each mask's IoU, then the predictor drops it. Wrap the
    one step that has it (`_track_step`, upstream's, unchanged) to leave the chosen mask's
    predicted IoU ([B]) on the predictor as `last_pred_iou`; Session attaches it to the
    frame's output right after the call (a quality-flag input). A mask given as input
    reports 1, as upstream's `_use_mask_as_output` says."""
    track_step = predictor._track_step

    def tracked(*args, **kwargs):
        out = track_step(*args, **kwargs)
        predictor.last_pred_iou = out[1][2].max(dim=-1).values
        return out

    predictor._track_step = tracked
    predictor.last_pred_iou = None


def load_model(cfg: EngineConfig | None = None) -> LoadedModel:
    """Build the predictor with sam2's own builder and Hydra configs (no reimplementation)."""
    from sam2.build_sam import build_sam2_video_predictor

    cfg = cfg or EngineConfig()
    device = pick_device(cfg.device)
    overrides: list[str] = []
    if cfg.model == RANDOM_TINY:
        overrides = list(RANDOM_TINY_OVERRIDES)
    random_weights = cfg.checkpoint is None
    with _build_lock:
        _ensure_hydra()
        if cfg.model == RANDOM_TINY:
            torch.manual_seed(0)
        elif random_weights:
            log.warning(
                "!!! SAM2_MODEL=%s has no SAM2_CHECKPOINT: running on RANDOM WEIGHTS. Masks will be "
                "meaningless. Download weights with `make weights MODEL=%s` and set SAM2_CHECKPOINT.",
                cfg.model,
                cfg.model,
            )
            warnings.warn(f"SAM 2 model {cfg.model} runs on random weights", stacklevel=2)
        predictor = build_sam2_video_predictor(
            CONFIG_FILES[cfg.model],
            ckpt_path=cfg.checkpoint,
            device=device,
            hydra_overrides_extra=overrides,
        )
    if not has_sam2_extension():
        # Hole filling needs the CUDA extension; without it sam2 warns on every click and
        # skips the step anyway, so turning it off changes no output.
        predictor.fill_hole_area = 0
    _fp32_memory_attention(predictor.memory_attention)
    # A correction click on a tracked frame becomes a conditioning frame, as in the SAM 2
    # paper's interactive setting; upstream's default (False) lets the next propagation
    # through that frame overwrite the user's fix.
    predictor.add_all_frames_to_correct_as_cond = True
    _keep_predicted_iou(predictor)
    if cfg.compile and device.startswith("cuda"):
        predictor.image_encoder.forward = torch.compile(predictor.image_encoder.forward)
    info = ModelInfo(
        name=cfg.model,
        random_weights=random_weights,
        device=device,
        image_size=int(predictor.image_size),
        checkpoint=cfg.checkpoint,
    )
    log.info("loaded SAM 2 %s on %s (random_weights=%s)", cfg.model, device, random_weights)
    return LoadedModel(predictor=predictor, info=info)
