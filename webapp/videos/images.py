"""Image sequences and single images as videos: a zip of JPEG/PNG frames (natural order of
their paths) or one JPEG/PNG picture, checked and re-encoded to the frame JPEGs. No Django:
it runs inside the decode child (webapp.videos.decode) under the same sandbox limits.

The archive is read through webapp.exports.archive.SafeArchive (names, links, encryption,
entry count and declared expanded size are checked from the central directory before any
entry is read). Every image's header is checked (format, size after EXIF orientation, the
resolution limit, one size for all) and every entry is read through to its CRC at probe
time, so a bad archive is a 400 in the upload request, not a failed video later.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

import numpy as np

IMAGE_EXT = (".jpg", ".jpeg", ".png")
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an entry first, or an empty archive
FORMATS = ["JPEG", "PNG"]
# EXIF orientations 5-8 turn the picture by 90 degrees (width and height swap).
_SWAPPING = {5, 6, 7, 8}


class BadImages(ValueError):
    """The upload is an image or an archive of images we refuse; shown to the user as is."""


def sniff(path: str | Path) -> str:
    """"image_sequence" (a zip), "image" (a JPEG or PNG) or "video" (anything else: libav
    decides)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head[:4] in ZIP_MAGIC:
        return "image_sequence"
    if head.startswith(JPEG_MAGIC) or head.startswith(PNG_MAGIC):
        return "image"
    return "video"


def natural_key(path: str) -> tuple:
    """frame2 < frame10: digit runs compare as numbers, the rest case-insensitively, and
    the raw path breaks ties (so the order is total and stable)."""
    parts = re.split(r"(\d+)", path)
    # re.split alternates text and digits, so each position holds one type.
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), path


def _ignored(name: str) -> bool:
    """macOS resource forks (__MACOSX/, ._x.jpg) and any dotfile or dot-directory."""
    return any(p == "__MACOSX" or p.startswith(".") for p in name.split("/"))


def select_frames(names: list[str]) -> list[str]:
    """The archive's frame entries in order: every JPEG/PNG, or, when the archive has a
    DAVIS/SA-V style `JPEGImages/` folder, only the images under it (its `Annotations/`
    PNGs are labels, not frames)."""
    images = [n for n in names if n.lower().endswith(IMAGE_EXT) and not _ignored(n)]
    under = [n for n in images if "JPEGImages" in n.split("/")[:-1]]
    return sorted(under or images, key=natural_key)


def frame_names(paths: list[str]) -> list[str]:
    """Each frame's name relative to the frames' common folder (DAVIS
    `JPEGImages/480p/bear/00000.jpg` keeps `00000.jpg`)."""
    dirs = [posixpath.dirname(p).split("/") if "/" in p else [] for p in paths]
    common = dirs[0] if dirs else []
    for d in dirs[1:]:
        n = 0
        while n < min(len(common), len(d)) and common[n] == d[n]:
            n += 1
        common = common[:n]
    cut = len("/".join(common)) + 1 if common else 0
    return [p[cut:] for p in paths]


@dataclass
class Header:
    width: int  # after EXIF orientation
    height: int
    format: str


@dataclass
class Limits:
    max_frames: int = 100_000
    max_w: int = 0
    max_h: int = 0
    max_entries: int = 100_000
    max_expanded: int = 8192 * 1024 * 1024

    def image_bytes(self) -> int:
        """The most bytes one image within the resolution limit can take (16-bit RGBA PNG
        stored uncompressed, plus room for metadata); a larger entry is refused unread."""
        if not (self.max_w and self.max_h):
            return self.max_expanded
        return self.max_w * self.max_h * 8 + (16 << 20)


def _label(i: int, name: str) -> str:
    return f"frame {i} ({name})"


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def read_header(fh: IO[bytes], label: str) -> Header:
    """Format and oriented size from the header alone (no pixel is decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(fh, formats=FORMATS) as img:
            w, h = img.size
            try:
                orientation = img.getexif().get(0x0112, 1)
            except Exception:  # a malformed EXIF block: no orientation, like browsers do
                orientation = 1
            fmt = img.format or ""
    except Image.DecompressionBombError as e:
        raise BadImages(f"{label} is too large to decode ({e})") from None
    except Exception as e:  # PIL's parsers raise many types on hostile headers
        if isinstance(e, zipfile.BadZipFile):
            raise  # the zip entry, not the picture, is broken: the caller says so
        if isinstance(e, UnidentifiedImageError):
            e = "not JPEG or PNG data"
        raise BadImages(f"{label} is not a readable JPEG or PNG image ({e})") from None
    if orientation in _SWAPPING:
        w, h = h, w
    return Header(w, h, fmt)


def check_size(i: int, label: str, head: Header, first: Header | None, lim: Limits) -> None:
    if head.width <= 0 or head.height <= 0:
        raise BadImages(f"{label} has no pixels ({head.width}x{head.height})")
    if lim.max_w and lim.max_h and (
        max(head.width, head.height) > max(lim.max_w, lim.max_h)
        or min(head.width, head.height) > min(lim.max_w, lim.max_h)
    ):
        raise BadImages(f"{label} is {head.width}x{head.height}, over the "
                        f"{lim.max_w}x{lim.max_h} limit (INGEST_MAX_WIDTH x INGEST_MAX_HEIGHT)")
    if first is not None and (head.width, head.height) != (first.width, first.height):
        raise BadImages(f"{label} is {head.width}x{head.height}, the first is "
                        f"{first.width}x{first.height}; all frames must have one size")


class Sequence:
    """An uploaded zip of frames, opened defensively (raises BadImages)."""

    def __init__(self, fileobj: IO[bytes], lim: Limits) -> None:
        from webapp.exports.archive import ArchiveError, SafeArchive

        self.lim = lim
        try:
            self.archive = SafeArchive(fileobj, "upload.zip", lazy=True,
                                       caps=(lim.max_entries, lim.max_expanded, lim.max_expanded))
        except ArchiveError as e:
            raise BadImages(str(e)) from None
        if self.archive.zip is None:
            raise BadImages("the upload is not a zip archive")
        names = self.archive.names()
        self.paths = select_frames(names)
        if not self.paths:
            others = [n for n in names if not _ignored(n)]
            seen = f" (it holds {len(others)} other file(s), e.g. {others[0]})" if others else ""
            raise BadImages(f"the zip has no JPEG or PNG images{seen}")
        if len(self.paths) > lim.max_frames:
            raise BadImages(f"the zip has {len(self.paths)} images, more than the limit of "
                            f"{lim.max_frames} frames (INGEST_MAX_FRAMES)")
        self.names = frame_names(self.paths)
        self._read_total = 0

    def _entry_check(self, i: int) -> str:
        label = _label(i, self.names[i])
        size = self.archive.members[self.paths[i]].file_size
        if size > self.lim.image_bytes():
            raise BadImages(f"{label} declares {_mb(size)}, more than an image within the "
                            f"{self.lim.max_w}x{self.lim.max_h} limit can take")
        return label

    def _bad_entry(self, label: str, e: Exception) -> BadImages:
        return BadImages(f"{label} cannot be read from the zip; the entry is damaged or "
                         f"expands to more than it declares ({e})")

    def check(self) -> Header:
        """Read every frame's header and every entry through to its CRC; returns the first
        frame's header."""
        first: Header | None = None
        for i, path in enumerate(self.paths):
            label = self._entry_check(i)
            info = self.archive.members[path]
            try:
                with self.archive.zip.open(info) as fh:  # type: ignore[union-attr]
                    head = read_header(fh, label)
                    while fh.read(1 << 20):  # to the end: zipfile checks size and CRC there
                        pass
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
                raise self._bad_entry(label, e) from None
            self._read_total += info.file_size
            if self._read_total > self.lim.max_expanded:
                raise BadImages(f"the archive expands to more than "
                                f"{self.lim.max_expanded >> 20} MB")
            check_size(i, label, head, first, self.lim)
            first = first or head
        assert first is not None
        return first

    def read(self, i: int) -> tuple[str, bytes]:
        from webapp.exports.archive import ArchiveError

        label = self._entry_check(i)
        try:
            return label, self.archive.read(self.paths[i], self.lim.image_bytes())
        except ArchiveError as e:
            raise self._bad_entry(label, e) from None


def _decode(data: bytes, label: str, first: Header | None, i: int, lim: Limits) -> np.ndarray:
    from PIL import Image, ImageOps

    head = read_header(io.BytesIO(data), label)
    check_size(i, label, head, first, lim)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            img = ImageOps.exif_transpose(img) or img
            if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                # 16-bit greyscale PNG: scale to 8 bits (convert("RGB") would clip).
                arr = np.asarray(img, dtype=np.float64)
                top = 65535.0 if img.mode != "F" else max(float(arr.max()), 1.0)
                arr = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
                return np.ascontiguousarray(np.stack([arr] * 3, axis=-1))
            return np.asarray(img.convert("RGB"))
    except BadImages:
        raise
    except Exception as e:  # OSError, SyntaxError, zlib.error...: the data past the header
        raise BadImages(f"{label} cannot be decoded ({e})") from None


def _check_file_size(path: str | Path, label: str, lim: Limits) -> None:
    size = Path(path).stat().st_size
    if size > lim.image_bytes():
        raise BadImages(f"{label} is {_mb(size)}, more than an image within the "
                        f"{lim.max_w}x{lim.max_h} limit can take")


@dataclass
class Result:
    kind: str
    width: int
    height: int
    num_frames: int
    frame_names: list[str] = field(default_factory=list)


def probe(path: str | Path, lim: Limits) -> Result:
    """Check an image upload without decoding pixels (raises BadImages)."""
    kind = sniff(path)
    with open(path, "rb") as fh:
        if kind == "image":
            label = _label(0, Path(path).name)
            _check_file_size(path, label, lim)
            head = read_header(fh, label)
            check_size(0, label, head, None, lim)
            return Result(kind, head.width, head.height, 1, [Path(path).name])
        seq = Sequence(fh, lim)
        head = seq.check()
        return Result(kind, head.width, head.height, len(seq.paths), seq.names)


def decode(path: str | Path, out_dir: str | Path, quality: int, lim: Limits,
           on_progress: Callable[[int, int], None] | None = None) -> Result:
    """Write each frame as OUT_DIR/<index:06d>.jpg, EXIF orientation applied."""
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kind = sniff(path)

    def save(rgb: np.ndarray, i: int) -> None:
        Image.fromarray(rgb).save(out / f"{i:06d}.jpg", quality=quality)

    with open(path, "rb") as fh:
        if kind == "image":
            label = _label(0, Path(path).name)
            _check_file_size(path, label, lim)
            rgb = _decode(fh.read(lim.image_bytes() + 1), label, None, 0, lim)
            save(rgb, 0)
            return Result(kind, rgb.shape[1], rgb.shape[0], 1, [Path(path).name])
        seq = Sequence(fh, lim)
        first: Header | None = None
        pending: list = []
        total = len(seq.paths)
        # Decoding and encoding release the GIL; zip reads stay on this thread.
        with ThreadPoolExecutor(2) as pool:
            for i in range(total):
                label, data = seq.read(i)
                if first is None:
                    rgb = _decode(data, label, None, 0, lim)
                    first = Header(rgb.shape[1], rgb.shape[0], "")
                    save(rgb, 0)
                else:
                    pending.append(pool.submit(
                        lambda d=data, lb=label, n=i: save(_decode(d, lb, first, n, lim), n)))
                while len(pending) > 4:
                    pending.pop(0).result()
                if on_progress and (i + 1) % 10 == 0:
                    on_progress(i + 1, total)
            for fut in pending:
                fut.result()
        assert first is not None
        return Result(kind, first.width, first.height, total, seq.names)
