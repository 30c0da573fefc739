"""A scaled-out Maskflow on private Redis and Postgres servers, two web servers, and the
websocket steps the outage tests share (click, reconnect and sync, acked masks vs REST)."""
from __future__ import annotations

import time
from pathlib import Path

from tests.ops.services import PrivatePostgres, PrivateRedis, wait_until
from tests.realtime.stack import Client, Stack, final_masks, free_port

RECOVERY: dict[str, float] = {}  # what the tests measured, printed at the end of the module


class Cluster:
    def __init__(self, tmp: Path, servers: int = 2, workers: int = 1, cpu_workers: int = 1):
        self.redis = PrivateRedis().start()
        self.pg = PrivatePostgres().start()
        self.stack = Stack(tmp, workers=workers, cpu_workers=cpu_workers,
                           users={"alice": "owner", "bob": "annotator"},
                           redis_port=self.redis.port, pg_port=self.pg.port,
                           # ask Postgres for a connection for at most 2 s while it is down
                           env={"PGCONNECT_TIMEOUT": "2"})
        self.n_servers = servers

    def start(self) -> "Cluster":
        s = self.stack.start()
        for i in range(1, self.n_servers):
            port = free_port()
            s.ports.append(port)
            s.servers.append(s.start_server(port, f"server{i}.log"))
        for port in s.ports:
            wait_until(lambda: _http_up(port), 60, f"web server on {port}")
        return self

    def restart_server(self, i: int):
        """SIGKILL web server i and start it again on its port."""
        import os
        import signal

        s = self.stack
        os.kill(s.servers[i].pid, signal.SIGKILL)
        s.servers[i].wait(10)
        return s.servers[i]

    def start_server_again(self, i: int) -> None:
        s = self.stack
        s.servers[i] = s.start_server(s.ports[i], f"server{i}-again.log")
        wait_until(lambda: _http_up(s.ports[i]), 60, f"web server {i} again")

    def stop(self) -> None:
        try:
            if self.redis.proc is None or self.redis.proc.poll() is not None:
                self.redis.start()
            if self.pg.proc is None or self.pg.proc.poll() is not None:
                self.pg.start()
            self.stack.stop()
        finally:
            self.redis.kill()
            self.pg.destroy()


def _http_up(port: int) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except Exception as exc:  # noqa: BLE001
        return bool(getattr(exc, "code", None))  # any HTTP answer: it is up
    return True


def last_seq(client: Client) -> int:
    return max((m.get("seq", 0) or 0 for m in client.msgs), default=0)


async def new_object(client: Client) -> int:
    ack = await client.request({"type": "object.create"})
    assert ack["type"] == "ack", ack
    created = await client.wait(lambda m: m["type"] == "object.created"
                                and m["seq"] == ack["seq"])
    return created["object"]["id"]


async def click(client: Client, oid: int, frame: int, x: int = 40, timeout: float = 30):
    """A positive click; returns (ack, the masks it produced)."""
    start = len(client.msgs)
    ack = await client.request({"type": "prompt.add", "object_id": oid, "frame": frame,
                                "points": [[x, 50]], "labels": [1]}, timeout)
    assert ack["type"] == "ack", ack
    masks = await client.wait(lambda m: m["type"] == "masks" and m["source"] == "prompt"
                              and m["frame"] == frame
                              and any(mm["object_id"] == oid for mm in m["masks"]),
                              timeout, start)
    return ack, masks


async def resync(stack: Stack, old: Client, video_id: int, port: int) -> tuple[Client, float]:
    """Reconnect (to `port`) as the browser does after losing its socket, and `sync` from the
    largest seq it saw; returns the new client (old messages carried over) and the time taken."""
    t0 = time.perf_counter()
    since = last_seq(old)
    print(f"{old.name}: socket {old.ws.state.name} before reconnecting")
    try:
        await old.close()
    except Exception:  # noqa: BLE001 - already gone
        pass
    deadline = time.monotonic() + 30
    while True:
        try:
            new = await Client.connect(stack, video_id, old.name, port=port)
            break
        except Exception:  # noqa: BLE001 - the server is still starting or Redis still down
            if time.monotonic() > deadline:
                raise
            import asyncio

            await asyncio.sleep(0.2)
    new.msgs[:0] = old.msgs
    start = len(new.msgs)
    await new.send({"type": "sync", "since_seq": since, "req": "resync"})
    done = await new.wait(lambda m: m.get("req") == "resync", 30, start)
    assert done["type"] == "sync.done", done
    assert new.since(start, "error") == [], new.since(start, "error")
    return new, time.perf_counter() - t0


def assert_no_acked_mask_lost(stack: Stack, video_id: int, clients, acked) -> None:
    """Every acked click (object, frame) has its mask in REST, and each client's latest view of
    it (live messages plus sync) equals what REST serves."""
    for oid, frame in acked:
        rows = stack.http("GET", f"/api/videos/{video_id}/masks/?frame={frame}").json()
        stored = {r["object_id"]: r["rle"] for r in rows}
        assert oid in stored, f"acked click on object {oid} frame {frame} has no stored mask"
        for c in clients:
            seen = final_masks(c.msgs).get((oid, frame))
            assert seen is not None, f"{c.name} never got the mask of {oid}@{frame}"
            assert seen["counts"] == stored[oid]["counts"], f"{c.name}: stale {oid}@{frame}"
