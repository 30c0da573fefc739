"""Synthetic test videos made with PyAV: a red disc and a blue box moving over a textured
background, with their exact masks known. Used by `manage.py demo`, tests and benchmarks."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def shape_masks(i: int, width: int, height: int, num_frames: int) -> dict[str, np.ndarray]:
    """Boolean masks of the disc and the box on frame i."""
    t = i / max(1, num_frames - 1)
    yy, xx = np.mgrid[0:height, 0:width]
    r = max(4, min(width, height) // 6)
    cx = int(r + t * (width - 2 * r - 1))
    cy = height // 3
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    bw, bh = max(6, width // 5), max(6, height // 4)
    bx = int((1 - t) * (width - bw - 1))
    by = min(height - bh - 1, height // 2 + height // 8)
    box = (xx >= bx) & (xx < bx + bw) & (yy >= by) & (yy < by + bh)
    return {"disc": disc, "box": box & ~disc}


def render_frame(i: int, width: int, height: int, num_frames: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    bg = np.stack(
        [
            (60 + 40 * np.sin(xx / 7.0) + 20 * np.cos(yy / 11.0)),
            (80 + 30 * np.cos((xx + yy) / 13.0)),
            (70 + 25 * np.sin(yy / 5.0)),
        ],
        axis=-1,
    ).astype(np.uint8)
    masks = shape_masks(i, width, height, num_frames)
    bg[masks["disc"]] = (220, 40, 40)
    bg[masks["box"]] = (40, 70, 220)
    return bg


def write_video(
    path: str | Path,
    num_frames: int = 48,
    width: int = 320,
    height: int = 240,
    fps: int = 24,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    vfr: bool = False,
    rotation: int = 0,
) -> Path:
    """Write the synthetic clip. `vfr` spaces frames unevenly (alternating 1 and 2 ticks);
    `rotation` stores display-rotation metadata (the pixels stay as rendered)."""
    path = Path(path)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "20"}
        tb = Fraction(1, fps * 2)
        stream.time_base = tb
        stream.codec_context.time_base = tb
        if rotation:
            stream.set_display_rotation(rotation)
        pts = 0
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(render_frame(i, width, height, num_frames), format="rgb24")
            frame.pts = pts
            frame.time_base = tb
            pts += (1 if i % 2 else 3) if vfr else 2
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
