"""Run work on untrusted input (video decoding, annotation parsing) in a child process
with hard limits: address space (RLIMIT_AS), CPU seconds (RLIMIT_CPU), the size of any
file it writes (RLIMIT_FSIZE), and a wall-clock timer in the parent that SIGKILLs the
child's whole process group on expiry, whether or not the child ever prints. No Django.

- `spawn(argv, limits)` starts any command and returns a `Child` to read line by line;
- `call("pkg.module:function", payload, limits)` runs a Python callable on a JSON payload
  in a child and returns its JSON result, or raises `SandboxError` with a readable reason.

The limits are set by a tiny exec wrapper in the child (`python -c`), not by
`preexec_fn`, which is unsafe in the threaded web and worker processes.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Sequence

# Native libraries reserve address space per thread (OpenBLAS, OpenMP); under RLIMIT_AS
# that reservation counts, so the children run single-threaded.
_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Runs in the child before the real program: set the limits, then exec it.
_WRAPPER = """\
import os, resource, sys
mem, cpu, fsize = (int(v) for v in sys.argv[1:4])
if mem:
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
if cpu:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
if fsize:
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
try:  # die with the parent (a killed web server or worker leaves no orphan decoding on)
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if str(os.getppid()) != os.environ.get("MASKFLOW_SANDBOX_PARENT", str(os.getppid())):
        os._exit(137)  # the parent died before the line above
except (OSError, AttributeError):
    pass
os.execv(sys.argv[4], sys.argv[4:])
"""
log = logging.getLogger(__name__)
MAX_RESULT_BYTES = 4 * 1024 * 1024  # what `call` reads back from a child's stdout


class SandboxError(Exception):
    """The child failed, crashed or hit a limit; the message is shown to the user."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024  # RLIMIT_AS; 0 = unlimited
    cpu_s: int = 600  # RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL a second later
    wall_s: float = 600.0  # the parent's timer
    file_mb: int = 0  # RLIMIT_FSIZE; 0 = unlimited

    def argv(self, argv: Sequence[str]) -> list[str]:
        return [sys.executable, "-c", _WRAPPER, str(self.memory_mb * 1024 * 1024),
                str(self.cpu_s), str(self.file_mb * 1024 * 1024), *argv]


class Child:
    """A running child in its own process group; the whole group is SIGKILLed when
    `limits.wall_s` elapses, and again (for leftovers) when it is waited for."""

    def __init__(self, argv: Sequence[str], limits: Limits, cwd=None, stdin=None) -> None:
        self.limits = limits
        self.timed_out = False
        self.proc = subprocess.Popen(
            limits.argv(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            cwd=cwd, env={**os.environ, **_ENV, "MASKFLOW_SANDBOX_PARENT": str(os.getpid())},
            start_new_session=True,
        )
        self.started = time.monotonic()
        # The group is only signalled while its leader is unreaped (a zombie at worst), so
        # its id can never belong to someone else's group by then.
        self._lock = threading.Lock()
        self._reaped = False
        # stderr is drained on a thread so that a chatty child never blocks on a full pipe.
        self._stderr = bytearray()
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self._timer = threading.Timer(limits.wall_s, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(65536), b""):
            self._stderr += chunk
            if len(self._stderr) > 65536:
                del self._stderr[:-16384]

    def _expire(self) -> None:
        self.timed_out = True
        self.kill()

    def lines(self):
        """The child's stdout, decoded line by line (ends when it exits or is killed)."""
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            yield raw.decode("utf-8", "replace")

    def kill(self) -> None:
        """SIGKILL the child's process group (grandchildren included)."""
        with self._lock:
            if self._reaped:
                return
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def wait(self) -> int:
        if self.proc.returncode is None:
            try:  # wait for the exit without reaping, so the group id stays ours
                os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:
                pass
        self._timer.cancel()
        self.kill()  # anything the child left behind in its group
        with self._lock:
            rc = self.proc.wait()
            self._reaped = True
        self._drain.join(timeout=1.0)
        return rc

    def stderr_tail(self) -> str:
        return self._stderr[-2000:].decode("utf-8", "replace")

    def failure(self, what: str) -> str:
        """A readable reason for a child that ended without a result."""
        rc = self.proc.returncode
        err = self.stderr_tail()
        if self.timed_out:
            return f"{what} took longer than {self.limits.wall_s:g} s and was stopped"
        if rc == -signal.SIGXCPU:
            return f"{what} used more than {self.limits.cpu_s} s of CPU time and was stopped"
        if any(s in err for s in ("MemoryError", "bad_alloc", "Cannot allocate memory",
                                  "out of memory", "Out of memory")):
            return f"{what} needed more than {self.limits.memory_mb} MB of memory and was stopped"
        if rc == -signal.SIGXFSZ:
            return f"{what} wrote more than {self.limits.file_mb} MB and was stopped"
        if rc == -signal.SIGKILL and self.limits.cpu_s and \
                time.monotonic() - self.started >= self.limits.cpu_s:
            return f"{what} used more than {self.limits.cpu_s} s of CPU time and was stopped"
        return f"{what} crashed (exit status {rc})"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        self.wait()
        for f in (self.proc.stdout, self.proc.stderr, self.proc.stdin):
            if f is not None:
                f.close()

    def __enter__(self) -> "Child":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def spawn(argv: Sequence[str], limits: Limits, cwd=None) -> Child:
    return Child(argv, limits, cwd=cwd)


def call(target: str, payload, limits: Limits, what: str = "the child process", cwd=None):
    """Run `target` ("module:function", called with the JSON payload) in a limited child
    and return its JSON result. `ValueError`s it raises come back as SandboxError(message);
    a crash, a kill or a limit is SandboxError with a readable reason."""
    argv = [sys.executable, "-m", "webapp.sandbox", target]
    with Child(argv, limits, cwd=cwd, stdin=subprocess.PIPE) as child:
        try:
            child.proc.stdin.write(json.dumps(payload).encode())
            child.proc.stdin.close()
        except BrokenPipeError:
            pass
        out = child.proc.stdout.read(MAX_RESULT_BYTES + 1)
        if len(out) > MAX_RESULT_BYTES:
            child.kill()
            raise SandboxError(f"{what} produced more output than allowed")
        child.wait()
    for line in reversed(out.decode("utf-8", "replace").strip().splitlines()):
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(msg, dict) and "result" in msg:
            return msg["result"]
        if isinstance(msg, dict) and "error" in msg:
            if msg.get("kind") == "memory":
                raise SandboxError(
                    f"{what} needed more than {limits.memory_mb} MB of memory and was stopped")
            raise SandboxError(msg["error"])
    log.warning("%s (%s) ended without a result (rc=%s): %s", what, target,
                child.proc.returncode, child.stderr_tail())
    raise SandboxError(child.failure(what))


def _run_target(target: str, payload) -> int:
    import importlib

    module, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module), name)
    try:
        result = fn(payload)
    except MemoryError:
        print(json.dumps({"error": "out of memory", "kind": "memory"}), flush=True)
        return 3
    except ValueError as e:  # readable refusals (ArchiveError and the like)
        print(json.dumps({"error": str(e)}), flush=True)
        return 2
    print(json.dumps({"result": result}), flush=True)
    return 0


def main(argv: list[str]) -> int:
    payload = json.loads(sys.stdin.read() or "null")
    return _run_target(argv[0], payload)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
