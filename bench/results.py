"""The one writer of bench/RESULTS.md sections: a script owns the text between
`<!-- name:begin -->` and `<!-- name:end -->` and replaces it on every run (appended if absent)."""
from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, text: str, path: Path = PATH) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    body = f"{begin}\n{text.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if begin in old and end in old:
        new = old[: old.index(begin)] + body + old[old.index(end) + len(end) + 1:]
    else:
        new = old.rstrip() + "\n\n" + body
    path.write_text(new)
