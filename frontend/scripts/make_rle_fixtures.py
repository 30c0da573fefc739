"""Writes src/rle/__fixtures__/coco_rle.json: masks and their pycocotools RLEs.

Run with the repo's venv: .venv/bin/python frontend/scripts/make_rle_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils


def case(name: str, m: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    return {
        "name": name,
        "rle": {"size": [int(x) for x in rle["size"]], "counts": rle["counts"].decode()},
        "area": int(mask_utils.area(rle)),
        "bbox": [int(v) for v in mask_utils.toBbox(rle)],
        # Row-major rows of 0/1 so a failing test is readable.
        "rows": ["".join(str(int(v)) for v in row) for row in m],
    }


def main() -> None:
    rng = np.random.default_rng(0)
    cases = []
    cases.append(case("empty 4x6", np.zeros((4, 6), np.uint8)))
    cases.append(case("full 3x5", np.ones((3, 5), np.uint8)))
    cases.append(case("single pixel 5x7 at (2,3)", np.pad(np.ones((1, 1)), ((2, 2), (3, 3)))))
    cases.append(case("first pixel set 3x3", np.eye(3, dtype=np.uint8)))
    cases.append(case("random 9x13", (rng.random((9, 13)) > 0.5).astype(np.uint8)))
    yy, xx = np.mgrid[:48, :64]
    disc = ((yy - 20) ** 2 + (xx - 30) ** 2 < 15**2).astype(np.uint8)
    ring = (((yy - 30) ** 2 + (xx - 10) ** 2 < 9**2) & ((yy - 30) ** 2 + (xx - 10) ** 2 > 4**2))
    cases.append(case("disc and ring 48x64", disc | ring.astype(np.uint8)))
    # Long runs need multi-chunk LEB128-like groups and negative deltas.
    big = np.zeros((40, 200), np.uint8)
    big[5:35, 3:190] = 1
    big[0:2, :] = 1
    cases.append(case("long runs 40x200", big))
    out = Path(__file__).resolve().parents[1] / "src/rle/__fixtures__/coco_rle.json"
    out.write_text(json.dumps({"generator": "pycocotools.mask.encode", "cases": cases}) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
