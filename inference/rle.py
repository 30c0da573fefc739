"""COCO compressed RLE for masks at video resolution, exactly as pycocotools writes it."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils


def encode_mask(mask: np.ndarray) -> dict:
    """Encode a 2-D boolean mask as `{"size": [h, w], "counts": str}`.

    pycocotools wants a Fortran-ordered uint8 array of shape (h, w, n); a C-ordered array
    silently encodes a transposed mask, so the order is forced here.
    """
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    if mask.dtype == bool:
        mask = mask.view(np.uint8)  # free; astype would copy once more
    elif mask.dtype != np.uint8:
        mask = (mask != 0).view(np.uint8)
    arr = np.asfortranarray(mask[:, :, None])
    rle = mask_utils.encode(arr)[0]
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def decode_rle(rle: dict) -> np.ndarray:
    """Decode a COCO RLE (counts as str or bytes) into a boolean (h, w) array."""
    counts = rle["counts"]
    if isinstance(counts, str):
        counts = counts.encode("ascii")
    elif isinstance(counts, list):  # uncompressed RLE
        h, w = rle["size"]
        counts = mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)["counts"]
    decoded = mask_utils.decode({"size": list(rle["size"]), "counts": counts})
    return decoded.astype(bool)


def rle_area(rle: dict) -> int:
    return int(mask_utils.area(_bytes_rle(rle)))


def rle_bbox(rle: dict) -> list[float]:
    """[x, y, w, h] of the mask, as pycocotools computes it."""
    return [float(v) for v in mask_utils.toBbox(_bytes_rle(rle))]


def _bytes_rle(rle: dict) -> dict:
    counts = rle["counts"]
    if isinstance(counts, str):
        counts = counts.encode("ascii")
    return {"size": list(rle["size"]), "counts": counts}
