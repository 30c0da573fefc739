"""Maskflow's SAM 2 engine: model loading, lazy frames, sessions and a session store. No Django.

Names load lazily (PEP 562): `from inference import decode_rle` loads the torch-free mask
module only, so a web server that handles masks never maps libtorch; the engine's names
(Session, load_model, ...) import torch on first use."""
from __future__ import annotations

import importlib

_HOMES = {
    "MODEL_NAMES": "config", "RANDOM_TINY": "config", "REAL_MODELS": "config",
    "EngineConfig": "config",
    "FrameSource": "frames", "JpegFrameSource": "frames", "preprocess_frame": "frames",
    "LoadedModel": "model", "ModelInfo": "model", "load_model": "model",
    "decode_rle": "rle", "encode_mask": "rle", "rle_iou": "rle",
    "FrameResult": "session", "InvalidPrompt": "session", "ObjectMask": "session",
    "OutOfRange": "session", "PromptRecord": "session", "Session": "session",
    "SessionStore": "store",
    "configure_torch_threads": "threads", "ThreadTuner": "threads", "tuner_for": "threads",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'inference' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return __all__
