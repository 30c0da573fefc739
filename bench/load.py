"""Load driver: N rooms x M websocket clients over 2 web servers and 2 inference workers.

    .venv/bin/python bench/load.py                                   # small: 2 x 10, 60 s
    .venv/bin/python bench/load.py --rooms 5 --clients 50 --seconds 1800   # the soak

Starts a scaled-out stack like the stack tests do (tests/realtime/stack.py: a fresh Postgres
database and Redis db on the machine's servers, uvicorn servers, `webapp.realtime.worker`
workers, the random-tiny model). In each room one client clicks (a closed loop: the next click
after the previous one's masks, plus --think seconds) and starts a propagation every
--propagate-every seconds; everyone else watches. Clients alternate between the servers.

Prints: click p50/p95 (sent -> the clicker's masks), broadcast p50/p99 (sent -> each watcher's
copy of the click's masks), fan-out spread p99 (for every `masks` message, clicks and
propagations alike: each client's receipt minus the room's first receipt), the error count
(ws `error` messages by code, click timeouts, dropped sockets) and the RSS of every process at
start and end (and its peak). Not part of `make bench` (it runs longer than a minute).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realtime.stack import Stack, free_port  # noqa: E402


class Hist:
    """Latencies in 1 ms buckets up to 60 s (flat memory however long the soak)."""

    def __init__(self) -> None:
        self.counts = [0] * 60001
        self.n = 0

    def add(self, seconds: float) -> None:
        self.counts[min(max(int(seconds * 1000), 0), 60000)] += 1
        self.n += 1

    def pct(self, q: float) -> float | None:
        if not self.n:
            return None
        want, seen = q / 100 * self.n, 0
        for ms, c in enumerate(self.counts):
            seen += c
            if seen >= want:
                return ms / 1000
        return 60.0


class Stats:
    def __init__(self) -> None:
        self.click, self.broadcast, self.spread = Hist(), Hist(), Hist()
        self.errors: Counter = Counter()
        self.masks_msgs = 0
        self.propagations = 0


class Room:
    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.first: dict[tuple, float] = {}  # (seq, frame) -> first receipt in the room
        self.click_sent: dict[tuple, float] = {}  # (object_id, frame) -> click sent
        self.click_seq: dict[tuple, tuple] = {}  # (seq, frame) -> click key

    def saw_masks(self, msg: dict, t: float, clicker: bool) -> None:
        self.stats.masks_msgs += 1
        key = (msg["seq"], msg["frame"])
        first = self.first.setdefault(key, t)
        self.stats.spread.add(t - first)
        if msg["source"] == "prompt" and not clicker:
            for m in msg["masks"]:
                sent = self.click_sent.get((m["object_id"], msg["frame"]))
                if sent is not None:
                    self.stats.broadcast.add(t - sent)

    def prune(self, now: float) -> None:
        self.first = {k: t for k, t in self.first.items() if now - t < 30}


class Conn:
    """One websocket client: records timings, not messages (memory stays flat)."""

    def __init__(self, room: Room, clicker: bool) -> None:
        self.room, self.clicker = room, clicker
        self.ws = None
        self.waiters: list[tuple] = []  # (predicate, future)

    async def open(self, port: int, video_id: int, token: str) -> "Conn":
        from websockets.asyncio.client import connect

        self.ws = await connect(f"ws://127.0.0.1:{port}/ws/videos/{video_id}/",
                                additional_headers=[("Authorization", f"Token {token}")],
                                open_timeout=60, max_size=2**24, proxy=None,
                                ping_interval=None)
        self.state = asyncio.get_running_loop().create_future()
        self.waiters.append((lambda m: m["type"] == "session.state", self.state))
        self.task = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.state, 60)
        return self

    async def _read(self) -> None:
        stats = self.room.stats
        try:
            async for raw in self.ws:
                t = time.perf_counter()
                msg = json.loads(raw)
                kind = msg["type"]
                if kind == "masks":
                    self.room.saw_masks(msg, t, self.clicker)
                elif kind == "error":
                    stats.errors["ws error: " + msg.get("code", "?")] += 1
                for w in list(self.waiters):
                    if not w[1].done() and w[0](msg):
                        w[1].set_result((msg, t))
                        self.waiters.remove(w)
        except Exception as exc:  # noqa: BLE001
            stats.errors[f"socket: {type(exc).__name__}"] += 1
        if not getattr(self, "closing", False):
            stats.errors["socket dropped"] += 1

    def expect(self, pred) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((pred, fut))
        return fut

    async def send(self, msg: dict) -> None:
        await self.ws.send(json.dumps(msg))

    async def close(self) -> None:
        self.closing = True
        await self.ws.close()


async def drive_room(s: Stack, ports: list[int], key: str, i_room: int, args, stats: Stats,
                     stop_at: float) -> None:
    room = Room(stats)
    vid = s.video_ids[key]
    clicker = await Conn(room, True).open(ports[0], vid, s.tokens[f"c{i_room}"])
    watchers = []
    for j in range(args.clients - 1):
        user = f"w{i_room}"
        watchers.append(await Conn(room, False).open(ports[(j + 1) % len(ports)], vid,
                                                      s.tokens[user]))
    created = clicker.expect(lambda m: m["type"] == "object.created")
    await clicker.send({"type": "object.create", "req": "o"})
    oid = (await asyncio.wait_for(created, 30))[0]["object"]["id"]
    n_frames = s.videos[key][0]
    next_prop = time.perf_counter() + args.propagate_every / 2
    n = 0
    while time.perf_counter() < stop_at:
        now = time.perf_counter()
        if now >= next_prop:
            next_prop = now + args.propagate_every
            await clicker.send({"type": "propagate.start", "frame": 0, "direction": "forward",
                                "req": f"p{n}"})
            stats.propagations += 1
        n += 1
        frame = random.randrange(n_frames)
        got = clicker.expect(lambda m, f=frame: m["type"] == "masks"
                             and m["source"] == "prompt" and m["frame"] == f
                             and any(mm["object_id"] == oid for mm in m["masks"]))
        t0 = time.perf_counter()
        room.click_sent[(oid, frame)] = t0
        await clicker.send({"type": "prompt.add", "object_id": oid, "frame": frame,
                            "points": [[random.randrange(20, 140), random.randrange(20, 100)]],
                            "labels": [1], "req": f"c{n}"})
        try:
            _, t1 = await asyncio.wait_for(got, args.click_timeout)
            stats.click.add(t1 - t0)
        except asyncio.TimeoutError:
            stats.errors["click timeout"] += 1
            clicker.waiters = [w for w in clicker.waiters if w[1] is not got]
        room.prune(time.perf_counter())
        await asyncio.sleep(args.think)
    await asyncio.sleep(1.0)  # the last broadcasts land
    for c in [clicker, *watchers]:
        await c.close()


def rss_of(s: Stack) -> dict[str, int]:
    import psutil

    out = {}
    for proc in s.procs:
        try:
            p = psutil.Process(proc.pid)
            out[_label(s, proc)] = p.memory_info().rss + sum(
                c.memory_info().rss for c in p.children(recursive=True))
        except psutil.Error:
            out[_label(s, proc)] = -1
    out["driver"] = psutil.Process().memory_info().rss
    return out


def cpu_of(s: Stack) -> dict[str, float]:
    """CPU seconds (user + system) each process has used so far, its children included; with
    the wall time this says which process the machine's cores went to."""
    import psutil

    def used(p) -> float:
        t = p.cpu_times()
        return t.user + t.system

    out = {}
    for proc in s.procs:
        try:
            p = psutil.Process(proc.pid)
            out[_label(s, proc)] = used(p) + sum(used(c) for c in p.children(recursive=True))
        except psutil.Error:
            out[_label(s, proc)] = -1.0
    out["driver"] = used(psutil.Process())
    return out


def _label(s: Stack, proc) -> str:
    if proc in s.workers:
        return f"inference{s.workers.index(proc)}"
    if proc in getattr(s, "servers", []):
        return f"web{s.servers.index(proc)}"
    return f"pid{proc.pid}"


async def main_async(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="mf-load-"))
    users = {}
    for r in range(args.rooms):
        users[f"c{r}"] = "annotator"
        users[f"w{r}"] = "viewer"
    videos = {f"room{r}": (args.frames, 160, 120) for r in range(args.rooms)}
    s = Stack(tmp, workers=args.workers, users=users, videos=videos,
              env={"WS_MAX_SOCKETS_PER_USER": str(args.clients + 8), "LOG_LEVEL": "WARNING"})
    try:
        s.start()
        for i in range(1, args.servers):
            port = free_port()
            s.ports.append(port)
            s.servers.append(s.start_server(port, f"server{i}.log"))
        for port in s.ports[1:]:
            s.port, keep = port, s.port
            s._wait_http()
            s.port = keep
        stats = Stats()
        cpu_start = cpu_of(s)
        t_start = time.perf_counter()
        stop_at = t_start + args.seconds
        rss_start = None
        peak: dict[str, int] = {}
        series: list[tuple[float, dict[str, int]]] = []  # (seconds since start, RSS)

        async def sample():
            nonlocal rss_start
            await asyncio.sleep(min(10, args.seconds / 4))  # after connects and warm-up
            while True:
                got = rss_of(s)
                rss_start = rss_start or got
                series.append((time.perf_counter() - t_start, got))
                for k, v in got.items():
                    peak[k] = max(peak.get(k, 0), v)
                await asyncio.sleep(15)

        sampler = asyncio.ensure_future(sample())
        rooms = [drive_room(s, s.ports, f"room{r}", r, args, stats, stop_at)
                 for r in range(args.rooms)]
        results = await asyncio.gather(*rooms, return_exceptions=True)
        for r in results:
            if isinstance(r, Exception):
                stats.errors[f"room failed: {type(r).__name__}: {r}"[:120]] += 1
        rss_end = rss_of(s)
        cpu_end = cpu_of(s)
        sampler.cancel()
        for k, v in rss_end.items():
            peak[k] = max(peak.get(k, 0), v)
        wall = time.perf_counter() - t_start
        mb = lambda d: {k: round(v / 2**20, 1) for k, v in (d or {}).items()}  # noqa: E731
        return {
            "rooms": args.rooms, "clients_per_room": args.clients, "seconds": round(wall, 1),
            "servers": args.servers, "inference_workers": args.workers,
            "clicks": stats.click.n, "propagations_started": stats.propagations,
            "masks_messages_received": stats.masks_msgs,
            "click_p50_s": stats.click.pct(50), "click_p95_s": stats.click.pct(95),
            "broadcast_p50_s": stats.broadcast.pct(50),
            "broadcast_p99_s": stats.broadcast.pct(99),
            "fanout_spread_p99_s": stats.spread.pct(99),
            "errors": sum(stats.errors.values()), "errors_by_kind": dict(stats.errors),
            "rss_mb_start": mb(rss_start), "rss_mb_end": mb(rss_end), "rss_mb_peak": mb(peak),
            "rss_mb_by_minute": minutes(series, mb),
            "cpu_share_of_one_core": {k: round((cpu_end[k] - cpu_start.get(k, 0.0)) / wall, 2)
                                      for k in cpu_end},
        }
    finally:
        if args.logs:
            print(s.logs(), file=sys.stderr)
        s.stop()


def minutes(series, mb) -> list[str]:
    """One RSS sample per minute (the first sample of each), for judging flatness."""
    out, seen = [], set()
    for t, got in series:
        m = int(t // 60)
        if m not in seen:
            seen.add(m)
            out.append(f"{t:.0f}s " + " ".join(f"{k}={v}" for k, v in mb(got).items()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, default=2)
    ap.add_argument("--clients", type=int, default=10, help="clients per room (1 clicks)")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="inference workers")
    ap.add_argument("--frames", type=int, default=48, help="frames per room's video")
    ap.add_argument("--think", type=float, default=0.5, help="seconds between clicks")
    ap.add_argument("--propagate-every", type=float, default=20.0)
    ap.add_argument("--click-timeout", type=float, default=20.0)
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--logs", action="store_true", help="print the stack's logs at the end")
    args = ap.parse_args()
    if args.clients < 1 or args.rooms < 1:
        ap.error("--rooms and --clients must be at least 1")
    result = asyncio.run(main_async(args))
    for k, v in result.items():
        if isinstance(v, list):
            print(k)
            for line in v:
                print(f"  {line}")
        else:
            print(f"{k:26} {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
