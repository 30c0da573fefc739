import numpy as np
from pycocotools import mask as mask_utils

from inference.rle import decode_rle, encode_mask, rle_area, rle_bbox


def asymmetric_mask(h=37, w=53):
    m = np.zeros((h, w), dtype=bool)
    m[3:10, 5:40] = True
    m[20:36, 2:4] = True
    return m


def test_encode_matches_pycocotools_on_fortran_array():
    m = asymmetric_mask()
    rle = encode_mask(m)
    ref = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    assert rle == {"size": [37, 53], "counts": ref["counts"].decode("ascii")}
    assert isinstance(rle["counts"], str)


def test_round_trip_keeps_orientation_for_c_and_fortran_inputs():
    m = asymmetric_mask()
    for arr in (m, np.asfortranarray(m), m.T.copy().T):
        assert np.array_equal(decode_rle(encode_mask(arr)), m)


def test_area_and_bbox_come_from_the_rle():
    m = asymmetric_mask()
    rle = encode_mask(m)
    assert rle_area(rle) == int(m.sum())
    assert rle_bbox(rle) == [2.0, 3.0, 38.0, 33.0]


def test_decode_accepts_bytes_counts():
    m = asymmetric_mask()
    rle = encode_mask(m)
    assert np.array_equal(decode_rle({"size": rle["size"], "counts": rle["counts"].encode()}), m)
