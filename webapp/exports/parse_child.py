"""The import parser's child-process side (run by webapp.sandbox.call from the importer):
open the untrusted upload with SafeArchive and the format's reader, and write what it
finds to a file for the parent to store. It sets Django up itself (the readers use
settings and model constants) but never touches the database."""
from __future__ import annotations

import json
import logging
import os
from types import SimpleNamespace

log = logging.getLogger(__name__)


def open_reader(fmt: str, fileobj, filename: str, video, caps=None):
    """The format's reader over the upload. Parses untrusted data: call it in the sandboxed
    child only (parse_upload), never in a web request or a worker."""
    from webapp.exports.archive import SafeArchive
    from webapp.exports.formats import READERS
    from webapp.exports.formats.base import dir_name

    archive = SafeArchive(fileobj, filename, caps=caps)
    return READERS[fmt](archive, video, dir_name(video, set()))


def parse_upload(payload: dict) -> dict:
    """Sandboxed child entry (webapp.sandbox.call): read the upload at payload["path"],
    write one JSON line per track ({"t": index, ...}) and per mask ([frame, index, rle]) to
    payload["out"], in the order the reader gives them. A refusal is a ValueError."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    django.setup()
    from django.conf import settings

    from webapp.exports.archive import ArchiveError
    # The parent's effective limits (tests and deployments may override settings).
    for name, value in payload["settings"].items():
        setattr(settings, name, value)
    v = payload["video"]
    video = SimpleNamespace(**v)
    index: dict = {}
    n_masks = 0
    try:
        with open(payload["path"], "rb") as f, open(payload["out"], "w") as out:
            reader = open_reader(payload["format"], f, payload["filename"], video,
                                 caps=tuple(payload["caps"]))

            def track(key) -> int:
                if key not in index:
                    index[key] = len(index)
                    t = reader.tracks.get(key)
                    out.write(json.dumps({"t": index[key], "key": str(key),
                                          "name": t.name if t else None,
                                          "category": t.category if t else None}) + "\n")
                return index[key]

            for key in list(reader.tracks):
                track(key)
            for frame, key, rle in reader.masks():
                i = track(key)
                out.write(json.dumps([frame, i, rle], separators=(",", ":")) + "\n")
                n_masks += 1
    except ArchiveError:
        raise
    except (RecursionError, MemoryError):
        raise
    except Exception as e:  # a structure the reader did not foresee: still a clear refusal
        log.warning("import parse failed", exc_info=True)
        raise ValueError(f"the {payload['format']} upload has an unexpected structure "
                         f"({type(e).__name__}: {e})") from None
    return {"tracks": len(index), "masks": n_masks, "notes": reader.notes[:50]}
