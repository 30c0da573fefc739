"""Inference workers in Redis: heartbeats, per-video leases and the per-worker command queues.

- Each inference worker heartbeats into a sorted set every HEARTBEAT_S; it counts as alive
  while its last beat is younger than REALTIME_WORKER_STALE_S (a SIGKILLed worker drops out).
- A video's lease names the worker holding its SAM 2 session. It stays valid while that
  worker is alive; otherwise the next lease() moves it (atomically, in Lua) to a live worker
  and returns the dead one's name, for the caller (dispatch) to clean up after it.
- Commands go to the worker's own Celery queue `inference.<worker>`; a per-worker counter of
  waiting commands tells a running propagation to yield after its current frame.
"""
from __future__ import annotations

import random
import time

from django.conf import settings

from webapp.celery import app as celery_app
from webapp.realtime import protocol as p
from webapp.realtime.redisio import client, prefix, workers_key

HEARTBEAT_S = 0.5
CATCH_UP_ALL = 2**62  # a `prompt` command's seq meaning "every stored prompt"


def stale_s() -> float:
    return settings.REALTIME_WORKER_STALE_S


def _ttl_ms() -> int:
    return settings.REALTIME_LEASE_TTL_S * 1000


def queue_name(worker: str) -> str:
    return f"inference.{worker}"


# One round trip per command: keep the lease while its holder beats, else hand it to a live
# worker picked with ARGV[3] (a uniform random number from the caller). Returns
# {holder or '', previous holder if it just moved or ''}.
_ROUTE = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local beat = redis.call('ZSCORE', KEYS[2], cur)
  if beat and tonumber(beat) >= tonumber(ARGV[1]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {cur, ''}
  end
end
local live = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf')
if #live == 0 then
  return {'', cur or ''}
end
local pick = live[math.min(#live, math.floor(tonumber(ARGV[3]) * #live) + 1)]
redis.call('SET', KEYS[1], pick, 'PX', ARGV[2])
return {pick, cur or ''}
"""

# The lease holder and whether it beats; refreshes the lease's expiry (servers' watchdogs,
# and workers as they take a command).
_HOLDER = """
local owner = redis.call('GET', KEYS[1])
if not owner then
  return {'', 0}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local beat = redis.call('ZSCORE', KEYS[2], owner)
if beat and tonumber(beat) >= tonumber(ARGV[1]) then
  return {owner, 1}
end
return {owner, 0}
"""

class Registry:
    def __init__(self) -> None:
        self._route = client().register_script(_ROUTE)
        self._holder = client().register_script(_HOLDER)

    @property
    def workers_key(self) -> str:
        return workers_key()

    def lease_key(self, video_id: int) -> str:
        return f"{prefix()}:lease:{video_id}"

    def pending_key(self, worker: str) -> str:
        return f"{prefix()}:worker:{worker}:pending"

    # -- workers -------------------------------------------------------------------------
    def heartbeat(self, worker: str) -> None:
        client().zadd(self.workers_key, {worker: time.time()})

    def remove(self, worker: str) -> None:
        client().zrem(self.workers_key, worker)

    def lease(self, video_id: int) -> tuple[str, str | None]:
        """(the worker holding the video, the dead previous holder if it just moved)."""
        owner, prev = self._route(keys=[self.lease_key(video_id), self.workers_key],
                                  args=[time.time() - stale_s(), _ttl_ms(), random.random()])
        if not owner:
            raise p.Refusal("unavailable", "no inference worker is running; start `make worker`")
        return owner, (prev or None)

    # -- commands ------------------------------------------------------------------------
    def publish(self, worker: str, cmd: dict, background: bool) -> None:
        q = queue_name(worker)
        # argsrepr: Celery would otherwise saferepr() the command for its logs on every click.
        celery_app.send_task("realtime.command", args=[cmd], queue=q, routing_key=q,
                             argsrepr="", kwargsrepr="")
        # Counted after publishing: a propagation that sees the count finds the command queued.
        client().hincrby(self.pending_key(worker), "bg" if background else "fg", 1)

    def holder(self, video_id: int, pipe=None) -> tuple[str | None, bool]:
        """The video's lease holder (None if none) and whether it is alive."""
        got = self._holder(keys=[self.lease_key(video_id), self.workers_key],
                           args=[time.time() - stale_s(), _ttl_ms()], client=pipe)
        if pipe is not None:
            got = pipe.execute()[-1]
        owner, alive = got
        return owner or None, bool(alive)

    def started(self, worker: str, background: bool, video_id: int) -> tuple[str | None, bool]:
        """Count one of the worker's queued commands as taken; return the video's lease
        holder and whether it is alive (one round trip: this runs for every command)."""
        pipe = client().pipeline(transaction=False)
        pipe.hincrby(self.pending_key(worker), "bg" if background else "fg", -1)
        return self.holder(video_id, pipe)

    def pending(self, worker: str) -> tuple[int, int]:
        fg, bg = client().hmget(self.pending_key(worker), "fg", "bg")
        return int(fg or 0), int(bg or 0)

    def alive(self, worker: str) -> bool:
        beat = client().zscore(self.workers_key, worker)
        return beat is not None and beat >= time.time() - stale_s()

    def forget(self, dead: str) -> None:
        """Drop a dead worker's queue and counters: what it held replays elsewhere."""
        client().delete(queue_name(dead), self.pending_key(dead))

    def catch_up(self, video_id: int, worker: str) -> None:
        """Have `worker` apply every stored prompt of the video whose result was never stored
        (the prompt log is the truth), so an acknowledged click is answered without waiting
        for another command."""
        self.publish(worker, {"op": "prompt", "video_id": video_id, "seq": CATCH_UP_ALL,
                              "reply_to": None}, background=False)


_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry
