"""Mask helpers shared by the format writers, readers and the J&F evaluation: the
deterministic overlap rule, index maps and the DAVIS palette. The RLE primitives (encode,
decode, area, bbox) live in inference/rle.py and are re-exported here under short names."""
from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from inference.rle import decode_binary as decode
from inference.rle import encode_mask as encode
from inference.rle import normalise_rle as normalise
from inference.rle import rle_area as area
from inference.rle import rle_bbox as bbox
from inference.rle import to_bytes_rle

Rle = dict  # {"size": [h, w], "counts": str}, exactly as pycocotools.mask.encode gives


def empty_rle(height: int, width: int) -> Rle:
    return encode(np.zeros((height, width), dtype=np.uint8))


def _box(rle: Rle, height: int, width: int) -> tuple[int, int, int, int]:
    """Integer (y0, y1, x0, x1) slice bounds of the mask's bounding box."""
    x, y, w, h = bbox(rle)
    return int(y), min(height, int(y + h) + 1), int(x), min(width, int(x + w) + 1)


def decode_cropped(rle: Rle, height: int, width: int):
    """(mask cropped to its bounding box as bool, (y0, y1, x0, x1)); None if empty."""
    if area(rle) == 0:
        return None
    y0, y1, x0, x1 = _box(rle, height, width)
    return decode(rle)[y0:y1, x0:x1].astype(bool), (y0, y1, x0, x1)


def overlapping(rles: dict[int, Rle]) -> set[int]:
    """Numbers of the masks that share a pixel with another, found on the RLEs alone."""
    items = [(n, r, bbox(r)) for n, r in rles.items()]
    out: set[int] = set()
    for i, (na, ra, ba) in enumerate(items):
        for nb, rb, bb in items[i + 1:]:
            if (ba[0] >= bb[0] + bb[2] or bb[0] >= ba[0] + ba[2]
                    or ba[1] >= bb[1] + bb[3] or bb[1] >= ba[1] + ba[3]):
                continue
            inter = mask_utils.merge([to_bytes_rle(ra), to_bytes_rle(rb)], intersect=True)
            if mask_utils.area(inter) > 0:
                out.update((na, nb))
    return out


def index_map(rles: dict[int, Rle], height: int, width: int, *, fortran: bool = False) -> np.ndarray:
    """Resolve overlaps into one index map (0 = background, n = object number n).

    The rule, deterministic and documented in every export's README: where masks
    overlap, the object with the smaller mask on that frame wins (small objects in front
    of the large ones they occlude stay visible); equal areas go to the lower object
    number. We paint the largest first so that each smaller mask overwrites it.
    `fortran` lays the map out column-major, as pycocotools encodes, for callers that
    re-encode per-object masks from it.
    """
    dtype = np.uint8 if max(rles, default=0) < 256 else np.uint16
    out = np.zeros((height, width), dtype=dtype, order="F" if fortran else "C")
    order = sorted(((area(r), n, r) for n, r in rles.items()), key=lambda t: (-t[0], -t[1]))
    for a, number, rle in order:
        if a == 0:
            continue
        m, (y0, y1, x0, x1) = decode_cropped(rle, height, width)
        out[y0:y1, x0:x1][m] = number
    return out


def davis_palette() -> list[int]:
    """The 256-colour palette of DAVIS and YouTube-VOS PNGs (the PASCAL VOC colour map):
    index 0 black, 1 (128,0,0), 2 (0,128,0), 3 (128,128,0), ..."""
    palette: list[int] = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette += [r, g, b]
    return palette


DAVIS_PALETTE = davis_palette()


def union(a: Rle, b: Rle) -> Rle:
    return normalise(mask_utils.merge([to_bytes_rle(a), to_bytes_rle(b)]))
