"""Engine configuration: which SAM 2 model, which weights, which device."""

from __future__ import annotations

from dataclasses import dataclass

RANDOM_TINY = "random-tiny"
REAL_MODELS = (
    "sam2.1_hiera_tiny",
    "sam2.1_hiera_small",
    "sam2.1_hiera_base_plus",
    "sam2.1_hiera_large",
)
MODEL_NAMES = (RANDOM_TINY, *REAL_MODELS)


@dataclass(frozen=True)
class EngineConfig:
    """What to load. Passed in by the caller; the engine never reads global settings itself."""

    model: str = RANDOM_TINY
    checkpoint: str | None = None
    device: str | None = None  # None: cuda when available, else cpu
    compile: bool = False  # torch.compile the image encoder (CUDA only)
    torch_threads: int | None = None  # None: inference.threads picks (1 off the main thread)

    def __post_init__(self) -> None:
        if self.model not in MODEL_NAMES:
            raise ValueError(
                f"unknown SAM2_MODEL {self.model!r}; expected one of {', '.join(MODEL_NAMES)}"
            )
        if self.model == RANDOM_TINY and self.checkpoint:
            raise ValueError("random-tiny takes no checkpoint; pick a sam2.1_hiera_* model")
        if self.torch_threads is not None and self.torch_threads < 1:
            raise ValueError(f"torch_threads must be >= 1, not {self.torch_threads}")
