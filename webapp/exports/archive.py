"""Zip archives: streamed writing into storage, and defensive reading of uploads.

Writing goes entry by entry into a temporary file on disk (never the whole archive in
memory) and is then handed to `default_storage` in chunks, so memory stays bounded
whatever the video's length and S3 works the same as the local media dir.

Reading treats every upload as hostile: names are checked for path traversal, links and
encrypted entries are refused, and the entry count, the expanded size and each JSON
document's size are capped, both as declared and as actually decompressed. The web request
only runs `check_upload` (the zip's central directory, never an entry's content); entries
are parsed in the import job's sandboxed child (webapp.exports.importer).
"""
from __future__ import annotations

import io
import json
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
from typing import IO, Iterable, Iterator

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

# Already-compressed payloads are stored, text is deflated.
_STORED_EXT = (".jpg", ".jpeg", ".png")


class ZipStreamWriter:
    """Context manager: `with ZipStreamWriter() as z: z.write_bytes(...)`, then `z.save(name)`."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryFile(suffix=".zip")
        self.zip = zipfile.ZipFile(self._tmp, "w", allowZip64=True)
        self.count = 0

    def __enter__(self) -> "ZipStreamWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = (
            zipfile.ZIP_STORED if name.lower().endswith(_STORED_EXT) else zipfile.ZIP_DEFLATED
        )
        info.external_attr = 0o644 << 16
        return info

    def write_bytes(self, name: str, data: bytes) -> None:
        self.zip.writestr(self._info(name), data)
        self.count += 1

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, obj) -> None:
        self.write_bytes(name, json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    def open(self, name: str) -> IO[bytes]:
        """A writable stream for one entry (for large JSON and text written piecewise)."""
        self.count += 1
        return self.zip.open(self._info(name), "w", force_zip64=True)

    def copy_from_storage(self, name: str, storage_name: str) -> None:
        with default_storage.open(storage_name, "rb") as src, self.open(name) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)

    def save(self, storage_name: str) -> tuple[str, int]:
        """Finish the archive and store it; returns (stored name, size in bytes)."""
        self.zip.close()
        size = self._tmp.tell()
        self._tmp.seek(0)
        stored = default_storage.save(storage_name, File(self._tmp, name=storage_name))
        return stored, size

    def close(self) -> None:
        try:
            self.zip.close()
        finally:
            self._tmp.close()


def json_array_stream(out: IO[bytes], items: Iterable) -> None:
    """Write a JSON array item by item (the writers stream their big lists this way)."""
    out.write(b"[")
    first = True
    for item in items:
        if not first:
            out.write(b",")
        out.write(json.dumps(item, separators=(",", ":")).encode("utf-8"))
        first = False
    out.write(b"]")


# --------------------------------------------------------------------------- reading
class ArchiveError(ValueError):
    """An upload we refuse; the message is shown to the user as is."""


def limits() -> tuple[int, int, int]:
    """(max entries, max expanded bytes, max bytes of one JSON document)."""
    return (
        getattr(settings, "IMPORT_MAX_FILES", 100_000),
        getattr(settings, "IMPORT_MAX_EXPANDED_MB", 4096) * 1024 * 1024,
        getattr(settings, "IMPORT_MAX_JSON_MB", 64) * 1024 * 1024,
    )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def check_upload(fileobj: IO[bytes], filename: str = "") -> None:
    """The cheap checks a web request may run: the file's type, and for a zip its central
    directory (entry count, declared sizes, names, links, encryption). Reads no entry."""
    SafeArchive(fileobj, filename, lazy=True)
    fileobj.seek(0)


_DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_name(name: str) -> str:
    if "\x00" in name or "\\" in name or name.startswith("/") or _DRIVE.match(name):
        raise ArchiveError(f"refused archive entry {name!r}: absolute or non-portable path")
    parts = name.split("/")
    if any(p == ".." for p in parts):
        raise ArchiveError(f"refused archive entry {name!r}: path traversal ('..')")
    return posixpath.normpath(name)


class SafeArchive:
    """Read-only view of an uploaded zip (or a bare JSON document) with the caps applied.

    Nothing is ever extracted to disk: entries are read by name into memory, one at a
    time, each through a counting reader that enforces the expanded-size budget.
    """

    def __init__(self, fileobj: IO[bytes], filename: str = "", lazy: bool = False,
                 caps: tuple[int, int, int] | None = None) -> None:
        """`lazy`: check without reading a bare JSON document; `caps` overrides limits()
        (the sandboxed child gets them from its parent, not from settings)."""
        self.max_files, self.max_bytes, self.max_json = caps or limits()
        self._read_total = 0
        self._bare: bytes | None = None
        self.zip: zipfile.ZipFile | None = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        head = fileobj.read(4)
        fileobj.seek(0)
        if head[:2] == b"PK":
            self._open_zip(fileobj)
        elif head.lstrip()[:1] in (b"{", b"[") or filename.lower().endswith(".json"):
            fileobj.seek(0, io.SEEK_END)
            size = fileobj.tell()
            fileobj.seek(0)
            if size > self.max_json:
                raise ArchiveError(self._json_too_large(filename or "the JSON document", size))
            self._bare = b"" if lazy else fileobj.read(self.max_json + 1)
            if len(self._bare) > self.max_json:
                raise ArchiveError(self._json_too_large(filename or "the JSON document", size))
            self.members = {posixpath.basename(filename) or "annotations.json": None}  # type: ignore[dict-item]
        else:
            raise ArchiveError("the upload is neither a zip archive nor a JSON document")

    def _open_zip(self, fileobj: IO[bytes]) -> None:
        try:
            self.zip = zipfile.ZipFile(fileobj)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise ArchiveError(f"not a readable zip archive: {e}") from None
        if len(infos) > self.max_files:
            raise ArchiveError(
                f"the archive has {len(infos)} entries, more than the limit of {self.max_files}"
            )
        declared = 0
        for info in infos:
            name = _safe_name(info.filename)
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise ArchiveError(f"refused archive entry {info.filename!r}: symbolic link")
            if info.flag_bits & 0x1:
                raise ArchiveError(f"refused archive entry {info.filename!r}: encrypted")
            if info.is_dir():
                continue
            declared += info.file_size
            if name.lower().endswith(".json") and info.file_size > self.max_json:
                raise ArchiveError(self._json_too_large(name, info.file_size))
            if declared > self.max_bytes:
                raise ArchiveError(
                    f"the archive expands to more than {self.max_bytes // (1024 * 1024)} MB"
                )
            self.members[name] = info

    def _json_too_large(self, name: str, size: int) -> str:
        return (f"{name} is {_mb(size)} of JSON, more than the {_mb(self.max_json)} limit "
                "(IMPORT_MAX_JSON_MB)")

    def names(self) -> list[str]:
        return sorted(self.members)

    def read(self, name: str, limit: int | None = None) -> bytes:
        if self._bare is not None:
            return self._bare
        info = self.members[name]
        cap = min(limit or self.max_bytes, self.max_bytes - self._read_total)
        if info.file_size > cap:
            raise ArchiveError(f"{name} is larger than the import limit")
        try:
            with self.zip.open(info) as f:  # type: ignore[union-attr]
                data = f.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise ArchiveError(f"cannot read {name} from the archive: {e}") from None
        if len(data) > cap:
            raise ArchiveError(f"{name} expands beyond the import limit")
        self._read_total += len(data)
        return data

    def read_json(self, name: str):
        data = self.read(name, self.max_json)
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ArchiveError(f"{name} is not valid JSON: {e}") from None
        except RecursionError:
            raise ArchiveError(f"{name} is nested too deeply") from None

    def stream(self, name: str) -> IO[bytes]:
        return io.BytesIO(self.read(name))

    def iter_matching(self, pattern: re.Pattern) -> Iterator[tuple[str, re.Match]]:
        for name in self.names():
            m = pattern.match(name)
            if m:
                yield name, m
