"""A separate virtualenv with the dataset readers our exports are checked against.

Datumaro (CVAT's dataset layer) pins its own numpy/pyarrow stack, so it never goes into the
app's .venv (whose torch must stay as `make setup` put it). The tests build var/readers-venv
once, with this interpreter's `venv` module, and reuse it while its stamp names the same
pinned requirements. Measured here: a fresh venv + `pip install datumaro==1.13.12` takes
about 25 s (27 packages, no torch or tensorflow; ~560 MB on disk).

MASKFLOW_DATUMARO_PYTHON, when set, names a ready Python and skips the build.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = ["datumaro==1.13.12"]
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "readers-venv"
STAMP = VENV / ".maskflow-readers"


class Unavailable(RuntimeError):
    """The readers venv could not be built (no network, no venv module, pip failed)."""


def _python() -> Path:
    return VENV / "bin" / "python"


def _ready() -> bool:
    return STAMP.is_file() and STAMP.read_text() == "\n".join(REQUIREMENTS) and _python().exists()


def _run(cmd: list[str], timeout: int) -> None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{' '.join(cmd[:3])}...: {exc}") from exc
    if out.returncode:
        raise Unavailable(f"{' '.join(cmd[:4])}... failed:\n{out.stderr[-2000:]}")


def datumaro_python() -> str:
    """Path to a Python that imports datumaro, building var/readers-venv on first use."""
    named = os.environ.get("MASKFLOW_DATUMARO_PYTHON")
    if named:
        return named
    VENV.parent.mkdir(parents=True, exist_ok=True)
    # One builder at a time (parallel pytest runs share the checkout); the others wait.
    with open(VENV.parent / "readers-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _ready():
            STAMP.unlink(missing_ok=True)
            _run([sys.executable, "-m", "venv", "--clear", str(VENV)], timeout=120)
            _run([str(_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                  *REQUIREMENTS], timeout=600)
            _run([str(_python()), "-c", "import datumaro"], timeout=120)
            STAMP.write_text("\n".join(REQUIREMENTS))
    return str(_python())
