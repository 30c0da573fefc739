"""The frame a video is shown by (its thumbnail): the first frame that is not dark or flat
among a few sampled from the first half, else the middle frame. Frame 0 is black for
videos that fade in, and a title card or a black leader is no better a picture of them.
Reads the JPEGs the decoder wrote (our own re-encoded frames), at about 1/4 scale."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = 8  # frames looked at: 0, then evenly up to the middle
MIN_MEAN = 40.0  # mean luma (0..255) under this is dark
MIN_STD = 12.0  # luma spread under this is a flat card (fade, black, one colour)


def _luma(path: Path) -> tuple[float, float] | None:
    try:
        with Image.open(path) as img:
            img.draft("L", (max(160, img.width // 4), max(90, img.height // 4)))
            a = np.asarray(img.convert("L"), dtype=np.float32)
    except (OSError, ValueError):
        return None
    return float(a.mean()), float(a.std())


def pick_poster(frames_dir: Path, num_frames: int) -> int:
    """The poster frame's index, from the frames in `frames_dir` (000000.jpg ...)."""
    if num_frames <= 1:
        return 0
    middle = num_frames // 2
    seen = set()
    for k in range(SAMPLES):
        i = round(k * middle / (SAMPLES - 1))
        if i in seen:
            continue
        seen.add(i)
        stats = _luma(frames_dir / f"{i:06d}.jpg")
        if stats and stats[0] >= MIN_MEAN and stats[1] >= MIN_STD:
            return i
    return middle
