"""Private Redis and Postgres servers on free loopback ports, for outage tests: they can be
killed and started again without touching the machine's shared Redis (6379) or Postgres (5432),
which other tests use at the same time."""
from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

from tests.realtime.stack import free_port


def wait_until(fn, timeout: float, what: str, every: float = 0.1):
    """Poll fn() until it returns something truthy; return it (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = fn()
        except Exception:  # noqa: BLE001 - a service still starting
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout} s")
        time.sleep(every)


class PrivateRedis:
    """redis-server without persistence: a restart loses every key, as a crashed cache would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--databases", "16"],
            stdout=subprocess.DEVNULL, start_new_session=True)
        import redis

        wait_until(lambda: redis.Redis(port=self.port, socket_connect_timeout=0.5).ping(), 20,
                   "redis start")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()


class PrivatePostgres:
    """A throwaway cluster (initdb as the postgres user into a temp dir), trust auth, no fsync."""

    def __init__(self) -> None:
        self.port = free_port()
        bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.initdb, self.postgres = f"{bindir}/initdb", f"{bindir}/postgres"
        self.dir = tempfile.mkdtemp(prefix="mf-ops-pg-")
        if os.geteuid() == 0:  # Postgres refuses to run as root: initdb and run as postgres
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.proc: subprocess.Popen | None = None
        self._as_postgres([self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust",
                           "--no-sync", "-E", "UTF8"], check=True)

    def _as_postgres(self, cmd, **kw):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + cmd, capture_output=True, timeout=120, **kw)

    def start(self) -> "PrivatePostgres":
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(
            prefix + [self.postgres, "-D", self.data, "-p", str(self.port), "-k", self.dir,
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                      "-c", "max_connections=200", "-c", "full_page_writes=off"],
            stdout=open(os.path.join(self.dir, "pg.log"), "ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        import psycopg

        wait_until(lambda: psycopg.connect(self.admin_url, connect_timeout=1).close() or True,
                   30, "postgres start")
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster), as `pg_ctl stop -m fast` or a restart does:
        every session is ended."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
