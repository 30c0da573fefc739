"""Synthetic test videos (moving shapes on a textured background) for tests and benchmarks."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image


def synthetic_frame(i: int, width: int, height: int, num_blobs: int = 3, seed: int = 0) -> np.ndarray:
    """Frame i: a fixed noisy background and `num_blobs` coloured discs moving smoothly."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    bg = (
        60
        + 40 * np.sin(xx / max(1, width) * 6.28 * 2)[..., None]
        + 30 * np.cos(yy / max(1, height) * 6.28 * 3)[..., None]
        + rng.integers(0, 20, size=(height, width, 3))
    )
    img = bg.astype(np.float32)
    for b in range(num_blobs):
        phase = rng.uniform(0, 6.28)
        speed = rng.uniform(0.02, 0.06)
        cx = width * (0.5 + 0.3 * np.sin(phase + speed * i + b))
        cy = height * (0.5 + 0.3 * np.cos(phase * 1.3 + speed * i))
        r = min(width, height) * rng.uniform(0.08, 0.16)
        color = rng.integers(120, 255, size=3).astype(np.float32)
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        img[disc] = color
    return np.clip(img, 0, 255).astype(np.uint8)


def blob_center(i: int, width: int, height: int, blob: int = 0, seed: int = 0) -> tuple[float, float]:
    """Centre of disc `blob` on frame i (for placing clicks)."""
    rng = np.random.default_rng(seed)
    rng.integers(0, 20, size=(height, width, 3))
    for b in range(blob + 1):
        phase = rng.uniform(0, 6.28)
        speed = rng.uniform(0.02, 0.06)
        rng.uniform(0.08, 0.16)
        rng.integers(120, 255, size=3)
        if b == blob:
            cx = width * (0.5 + 0.3 * np.sin(phase + speed * i + b))
            cy = height * (0.5 + 0.3 * np.cos(phase * 1.3 + speed * i))
            return float(cx), float(cy)
    raise AssertionError("unreachable")


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: int = 24) -> None:
    """Encode frames to an H.264 (yuv420p) file with PyAV."""
    import av

    frames = iter(frames)
    first = next(frames)
    h, w = first.shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for arr in _chain(first, frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _chain(first, rest) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def decode_video(path: str | Path) -> Iterator[np.ndarray]:
    """Decode every frame of a video file as HxWx3 uint8 (RGB) with PyAV."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")
