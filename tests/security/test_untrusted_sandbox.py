"""The sandbox runner: a child that hangs silently is killed on the wall clock (its whole
process group), one that allocates past its memory limit fails with a readable reason,
and readable refusals come back as messages."""
import os
import signal
import subprocess
import sys
import time

import pytest

from webapp.sandbox import Limits, SandboxError, call, spawn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- targets run inside the child (imported there by "module:function") ----
def echo(payload):
    return {"got": payload}


def refuse(payload):
    raise ValueError("the file is bad: " + payload)


def hang(payload):
    # Start a grandchild that also hangs, and never print anything.
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(payload, "w") as f:
        f.write(str(proc.pid))
    time.sleep(600)


def hog(payload):
    blocks = []
    for _ in range(64):
        blocks.append(bytearray(64 * 1024 * 1024))  # 4 GB in all
    return len(blocks)


def spin(payload):
    while True:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ")[1][0] != "Z"


def test_a_result_comes_back():
    assert call(f"{__name__}:echo", [1, "a"], Limits(wall_s=60), cwd=ROOT) == {"got": [1, "a"]}


def test_a_refusal_is_a_readable_error():
    with pytest.raises(SandboxError, match="the file is bad: x"):
        call(f"{__name__}:refuse", "x", Limits(wall_s=60), cwd=ROOT)


def test_a_silent_hang_is_killed_on_the_wall_clock_with_its_process_group(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    t0 = time.monotonic()
    with pytest.raises(SandboxError, match="took longer than 3 s"):
        call(f"{__name__}:hang", str(pidfile), Limits(wall_s=3), what="parsing", cwd=ROOT)
    assert time.monotonic() - t0 < 15
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_memory_over_the_limit_fails_with_a_readable_reason():
    with pytest.raises(SandboxError, match="more than 512 MB of memory"):
        call(f"{__name__}:hog", None, Limits(memory_mb=512, wall_s=60), what="parsing", cwd=ROOT)


def test_cpu_time_over_the_limit_is_stopped():
    t0 = time.monotonic()
    with pytest.raises(SandboxError, match="more than 1 s of CPU time"):
        call(f"{__name__}:spin", None, Limits(cpu_s=1, wall_s=60), what="parsing", cwd=ROOT)
    assert time.monotonic() - t0 < 30


def test_spawn_kills_a_command_that_never_prints():
    t0 = time.monotonic()
    with spawn([sys.executable, "-c", "import time; time.sleep(600)"], Limits(wall_s=1)) as child:
        assert list(child.lines()) == []  # returns once the timer kills it
    assert child.timed_out and child.proc.returncode == -signal.SIGKILL
    assert time.monotonic() - t0 < 10
