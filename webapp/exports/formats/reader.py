"""The shape every import reader has: declared tracks, then masks in frame order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from webapp.exports.archive import ArchiveError


@dataclass
class Track:
    key: object
    name: str | None
    category: str | None


class Reader:
    """Subclasses fill `tracks` (in the order objects are to be created) and yield
    `(frame, track key, rle)` from `masks()` in ascending frame order."""

    def __init__(self, video) -> None:
        self.video = video
        self.tracks: dict[object, Track] = {}
        # What the file holds that is not imported, and why (the import report's warnings).
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def declare(self, key, name: str | None, category: str | None) -> None:
        if key not in self.tracks:
            self.tracks[key] = Track(key, name or None, category or None)

    def masks(self) -> Iterator[tuple[int, object, dict]]:
        raise NotImplementedError

    def check_frame(self, frame: int, where: str) -> None:
        n = self.video.num_frames
        if not 0 <= frame < n:
            raise ArchiveError(f"{where}: frame {frame} is outside the video's {n} frames")

    def check_size(self, rle: dict, where: str) -> None:
        size = [int(v) for v in rle.get("size") or []]
        if size != [self.video.height, self.video.width]:
            raise ArchiveError(
                f"{where}: mask size {size} does not match the video "
                f"({self.video.height}x{self.video.width}, as [height, width])"
            )

    def choose(self, candidates: list[str], *preferred: str) -> str:
        """The one video in the archive to import: the only one, or the one named like
        the target video (the others are noted as left out)."""
        if len(candidates) == 1:
            return candidates[0]
        for p in preferred:
            if p in candidates:
                others = sorted(str(c) for c in candidates if c != p)
                self.note(f"the archive holds {len(candidates)} videos; imported {p!r}, left out "
                          + ", ".join(others[:10]) + (" ..." if len(others) > 10 else ""))
                return p
        raise ArchiveError(
            "the archive holds several videos and none is named like this one; found: "
            + ", ".join(sorted(map(str, candidates))[:20])
        )


_KINDS = {dict: "an object", list: "a list", str: "a string", int: "an integer"}


def want(value, kind: type, where: str, optional: bool = False):
    """`value` if it is of JSON type `kind` (None allowed when `optional`), else a
    readable ArchiveError naming where in the document it is."""
    if value is None and optional:
        return None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ArchiveError(f"{where} must be {_KINDS.get(kind, kind.__name__)}, "
                           f"not {_json_type(value)}")
    return value


def want_list_of(value, kind: type, where: str) -> list:
    """A list (None = empty) whose items are all of `kind`."""
    items = want(value, list, where, optional=True) or []
    for i, item in enumerate(items):
        want(item, kind, f"{where}[{i}]")
    return items


def as_int(value, where: str, default: int | None = None) -> int:
    """An integer field: an int, or a string of digits; a readable error otherwise."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise ArchiveError(f"{where} must be an integer, not {_json_type(value)}")
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ArchiveError(f"{where} must be an integer, not {value!r:.40}") from None
    if isinstance(value, float) and n != value:
        raise ArchiveError(f"{where} must be an integer, not {value!r}")
    if not -2**31 < n < 2**31:
        raise ArchiveError(f"{where} is out of range ({value!r:.40})")
    return n


def track_key(value, where: str):
    """A track id usable as a key: an integer or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ArchiveError(f"{where} must be an integer or a string, not {_json_type(value)}")
    return value


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def to_rle(seg, height: int, width: int, where: str) -> dict | None:
    """A COCO/YTVIS segmentation (compressed or uncompressed RLE, or polygons) → our RLE.
    None for a null segmentation."""
    from pycocotools import mask as mask_utils

    from webapp.exports import masks as M

    if seg is None:
        return None
    try:
        if isinstance(seg, dict):
            if "counts" not in seg or "size" not in seg:
                raise ArchiveError(f"{where}: an RLE needs 'size' and 'counts'")
            rle = M.normalise(seg)
            # Decode once to reject malformed counts now rather than in a later export.
            M.area(rle)
            return rle
        if isinstance(seg, list):
            polys = [p for p in seg if isinstance(p, list) and len(p) >= 6]
            if not polys:
                return None
            rles = mask_utils.frPyObjects(polys, height, width)
            merged = mask_utils.merge(rles)
            return M.normalise(merged)
    except ArchiveError:
        raise
    except Exception as e:
        raise ArchiveError(f"{where}: unreadable segmentation ({e})") from None
    raise ArchiveError(f"{where}: segmentation must be an RLE object or a polygon list")


def frame_from_name(file_name: str, fallback: int) -> int:
    import re

    m = re.search(r"(\d+)(?=\.[A-Za-z0-9]+$)", file_name or "")
    return int(m.group(1)) if m else fallback
