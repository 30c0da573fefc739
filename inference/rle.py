"""COCO compressed RLE for masks at video resolution, exactly as pycocotools writes it: the
one home of encode, decode, area and bbox for the engine, the exports and the REST views.
Torch-free (`from inference import decode_rle` loads no torch)."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils


def encode_mask(mask: np.ndarray) -> dict:
    """Encode a 2-D mask (nonzero = in) as `{"size": [h, w], "counts": str}`.

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


def decode_binary(rle: dict) -> np.ndarray:
    """Decode a COCO RLE (str, bytes or uncompressed list counts, as in YouTube-VIS files)
    into an (h, w) uint8 array of 0/1."""
    return mask_utils.decode(to_bytes_rle(rle))


def decode_rle(rle: dict) -> np.ndarray:
    """Decode a COCO RLE (counts as str, bytes or a list) into a boolean (h, w) array."""
    return decode_binary(rle).view(bool)


def normalise_rle(rle: dict) -> dict:
    """Any COCO RLE (compressed or not) → compressed with str counts."""
    rle = to_bytes_rle(rle)
    counts = rle["counts"]
    if isinstance(counts, bytes):
        counts = counts.decode("ascii")
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": counts}


def rle_area(rle: dict) -> int:
    return int(mask_utils.area(to_bytes_rle(rle)))


def rle_bbox(rle: dict) -> list[float]:
    """COCO [x, y, w, h] of the mask, as pycocotools computes it (all zero when empty)."""
    return [float(v) for v in mask_utils.toBbox(to_bytes_rle(rle))]


def rle_iou(a: dict, b: dict) -> float:
    """IoU of two masks of the same size, on their RLEs (no decode); 1 when both are empty."""
    if rle_area(a) == 0 and rle_area(b) == 0:
        return 1.0
    return float(mask_utils.iou([to_bytes_rle(a)], [to_bytes_rle(b)], [0])[0][0])


def to_bytes_rle(rle: dict) -> dict:
    """The RLE as pycocotools' C functions take it (compressed, bytes counts)."""
    counts = rle["counts"]
    if isinstance(counts, list):
        h, w = rle["size"]
        return mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)
    if isinstance(counts, str):
        return {"size": list(rle["size"]), "counts": counts.encode("ascii")}
    return rle
