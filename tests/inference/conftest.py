"""Fixtures for the engine tests: the random-tiny model and small PyAV-generated videos."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from inference import JpegFrameSource, LoadedModel, Session, load_model
from inference.synthetic import blob_center, decode_video, encode_jpeg, synthetic_frame, write_video


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    # The CI box has 2 cores shared with other test processes: OpenMP spin-waiting across
    # two threads is slower than one thread there (see inference/threads.py).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def model() -> LoadedModel:
    return load_model()


@dataclass
class Video:
    width: int
    height: int
    jpegs: list[bytes]
    jpeg_dir: Path  # "<n>.jpg" files, the layout sam2's own loader reads

    @property
    def num_frames(self) -> int:
        return len(self.jpegs)

    def source(self, image_size: int, cache_bytes: int = 256 << 20) -> JpegFrameSource:
        return JpegFrameSource(
            lambda i: self.jpegs[i], self.num_frames, self.width, self.height, image_size, cache_bytes
        )

    def session(self, model: LoadedModel, **kw) -> Session:
        return Session(model, self.source(model.info.image_size), **kw)

    def blob(self, frame: int, blob: int = 0) -> list[float]:
        return list(blob_center(frame, self.width, self.height, blob))


def make_video(root: Path, num_frames: int, width: int, height: int, jpeg_dir: bool = True) -> Video:
    """Encode a synthetic clip with PyAV, decode it back and store the frames as JPEG."""
    path = root / "clip.mp4"
    write_video(path, (synthetic_frame(i, width, height) for i in range(num_frames)))
    jpegs = [encode_jpeg(f) for f in decode_video(path)]
    assert len(jpegs) == num_frames
    d = root / "frames"
    if jpeg_dir:
        d.mkdir()
        for i, data in enumerate(jpegs):
            (d / f"{i:05d}.jpg").write_bytes(data)
    return Video(width, height, jpegs, d)


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Video:
    """40 frames of 96x64: longer than SAM 2's memory window (16 object pointers)."""
    return make_video(tmp_path_factory.mktemp("clip"), 40, 96, 64)


def masks_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)
