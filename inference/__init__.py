"""Maskflow's SAM 2 engine: model loading, lazy frames, sessions and a session store. No Django."""

from .config import MODEL_NAMES, RANDOM_TINY, REAL_MODELS, EngineConfig
from .frames import FrameSource, JpegFrameSource, preprocess_frame
from .model import LoadedModel, ModelInfo, load_model
from .rle import decode_rle, encode_mask
from .session import (
    FrameResult,
    InvalidPrompt,
    ObjectMask,
    OutOfRange,
    PromptRecord,
    Session,
)
from .store import SessionStore
from .threads import configure_torch_threads

__all__ = [
    "MODEL_NAMES",
    "RANDOM_TINY",
    "REAL_MODELS",
    "EngineConfig",
    "FrameResult",
    "FrameSource",
    "InvalidPrompt",
    "JpegFrameSource",
    "LoadedModel",
    "ModelInfo",
    "ObjectMask",
    "OutOfRange",
    "PromptRecord",
    "Session",
    "SessionStore",
    "configure_torch_threads",
    "decode_rle",
    "encode_mask",
    "load_model",
    "preprocess_frame",
]
