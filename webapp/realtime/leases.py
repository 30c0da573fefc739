"""Scaled-out inference state in Redis: live workers, per-video leases, propagation control.

- Each inference worker heartbeats into a sorted set every HEARTBEAT_S; it counts as alive
  while its last beat is younger than STALE_S (a SIGKILLed worker drops out within STALE_S).
- A video's lease names the worker holding its SAM 2 session. It stays valid while that
  worker is alive; otherwise the next command moves it (atomically, in Lua) to a live worker,
  which rebuilds the session from the prompt log.
- Commands go to the worker's own Celery queue `inference.<worker>`; a per-worker counter of
  waiting commands tells a running propagation to yield after its current frame.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time

import redis
from django.conf import settings

from webapp.env import env, envint

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
STALE_S = float(env("REALTIME_WORKER_STALE_S", "2.5"))
LEASE_TTL_MS = envint("REALTIME_LEASE_TTL_S", 24 * 3600) * 1000

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

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def prefix() -> str:
    return env("REALTIME_PREFIX", "mf")


def client() -> redis.Redis:
    with _clients_lock:
        r = _clients.get(settings.REDIS_URL)
        if r is None:
            r = _clients[settings.REDIS_URL] = redis.Redis.from_url(
                settings.REDIS_URL, decode_responses=True, health_check_interval=30)
        return r


def queue_name(worker: str) -> str:
    return f"inference.{worker}"


class RedisControl:
    """Propagation jobs, shared by servers and workers. Each propagate.start is a job with its
    own id (`gen`, per video); several jobs of one video run at once when their objects differ.
    A job's marker (dispatch.marker) is set when it is queued and as it runs, and removed when
    it ends; it tells a cancel what runs and the watchdog (reap) whether its worker died. A
    cancel is a per-job flag the job reads before every frame."""

    # Remove and return the markers of jobs whose worker stopped beating.
    _REAP = """
    local out = {}
    local all = redis.call('HGETALL', KEYS[1])
    for i = 1, #all, 2 do
      local worker = cjson.decode(all[i + 1])['worker']
      if worker and worker ~= '' then
        local beat = redis.call('ZSCORE', KEYS[2], worker)
        if not beat or tonumber(beat) < tonumber(ARGV[1]) then
          redis.call('HDEL', KEYS[1], all[i])
          table.insert(out, all[i + 1])
        end
      end
    end
    return out
    """

    def __init__(self) -> None:
        self._reap = client().register_script(self._REAP)

    def _k(self, video_id: int, what: str) -> str:
        return f"{prefix()}:video:{video_id}:{what}"

    def new_job(self, video_id: int) -> int:
        return int(client().incr(self._k(video_id, "jobs")))

    def set_active(self, video_id: int, gen: int, job: dict, worker: str | None = None) -> None:
        from webapp.realtime.dispatch import marker

        k = self._k(video_id, "running")
        pipe = client().pipeline()
        pipe.hset(k, str(gen), json.dumps(marker(gen, job, worker or env("MASKFLOW_WORKER_NAME"))))
        pipe.pexpire(k, LEASE_TTL_MS)
        pipe.execute()

    def clear_active(self, video_id: int, gen: int) -> None:
        pipe = client().pipeline()
        pipe.hdel(self._k(video_id, "running"), str(gen))
        pipe.hdel(self._k(video_id, "cancel"), str(gen))
        pipe.execute()

    def actives(self, video_id: int) -> dict[int, dict]:
        raw = client().hgetall(self._k(video_id, "running"))
        return {int(g): json.loads(m) for g, m in raw.items()}

    def cancel(self, video_id: int, gens, reason: str) -> None:
        gens = list(gens)
        if gens:
            k = self._k(video_id, "cancel")
            pipe = client().pipeline()
            pipe.hset(k, mapping={str(g): reason for g in gens})
            pipe.pexpire(k, LEASE_TTL_MS)
            pipe.execute()

    def cancelled(self, video_id: int, gen: int) -> str | None:
        return client().hget(self._k(video_id, "cancel"), str(gen))

    def reap(self, video_id: int) -> list[dict]:
        """Markers of jobs whose worker stopped beating, removed (atomically: of all servers
        that ask, one gets each)."""
        raw = self._reap(keys=[self._k(video_id, "running"), f"{prefix()}:workers"],
                         args=[time.time() - STALE_S])
        return [json.loads(m) for m in raw]


class RedisMarks:
    """Highest prompt seq whose result was stored, per video (survives worker deaths)."""

    def _k(self, video_id: int) -> str:
        return f"{prefix()}:video:{video_id}:applied"

    def get(self, video_id: int) -> int:
        return int(client().get(self._k(video_id)) or 0)

    _MAX = ("local c = tonumber(redis.call('GET', KEYS[1]) or '0') "
            "if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end")

    def __init__(self) -> None:
        self._set_max = client().register_script(self._MAX)

    def set(self, video_id: int, seq: int) -> None:
        self._set_max(keys=[self._k(video_id)], args=[seq])


class Registry:
    def __init__(self) -> None:
        self._route = client().register_script(_ROUTE)
        self._holder = client().register_script(_HOLDER)

    @property
    def workers_key(self) -> str:
        return f"{prefix()}:workers"

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
                                  args=[time.time() - STALE_S, LEASE_TTL_MS, random.random()])
        if not owner:
            from webapp.realtime.actions import ActionError

            raise ActionError("unavailable", "no inference worker is running; start `make worker`")
        return owner, (prev or None)

    # -- commands ------------------------------------------------------------------------
    def publish(self, worker: str, cmd: dict, background: bool) -> None:
        from webapp.celery import app

        q = queue_name(worker)
        # argsrepr: Celery would otherwise saferepr() the command for its logs on every click.
        app.send_task("realtime.command", args=[cmd], queue=q, routing_key=q, argsrepr="",
                      kwargsrepr="")
        # Counted after publishing: a propagation that sees the count finds the command queued.
        client().hincrby(self.pending_key(worker), "bg" if background else "fg", 1)

    def holder(self, video_id: int, pipe=None) -> tuple[str | None, bool]:
        """The video's lease holder (None if none) and whether it is alive."""
        got = self._holder(keys=[self.lease_key(video_id), self.workers_key],
                           args=[time.time() - STALE_S, LEASE_TTL_MS], client=pipe)
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

    def assign(self, video_id: int) -> str:
        """The worker that runs the video's next command (see lease); when the lease just left
        a dead worker, also clean up after it."""
        worker, prev = self.lease(video_id)
        if prev and prev != worker:
            log.warning("video %s moved from dead worker %s to %s", video_id, prev, worker)
            self._worker_lost(video_id, prev, worker)
        return worker

    def alive(self, worker: str) -> bool:
        beat = client().zscore(self.workers_key, worker)
        return beat is not None and beat >= time.time() - STALE_S

    def forget(self, dead: str) -> None:
        """Drop a dead worker's queue and counters: what it held replays elsewhere."""
        client().delete(queue_name(dead), self.pending_key(dead))

    def catch_up(self, video_id: int, worker: str) -> None:
        """Have `worker` apply every stored prompt of the video whose result was never stored
        (the prompt log is the truth), so an acknowledged click is answered without waiting
        for another command."""
        self.publish(worker, {"op": "prompt", "video_id": video_id, "seq": CATCH_UP_ALL,
                              "reply_to": None}, background=False)

    def _worker_lost(self, video_id: int, dead: str, heir: str) -> None:
        from webapp.realtime.dispatch import control

        self.forget(dead)
        worker_lost(video_id, control().reap(video_id))
        self.catch_up(video_id, heir)


CATCH_UP_ALL = 2**62  # a `prompt` command's seq meaning "every stored prompt"


def worker_lost(video_id: int, markers: list[dict]) -> None:
    """Tell the room that the jobs in `markers` (from RedisControl.reap) died with their
    worker; what they stored is kept."""
    from webapp.realtime import protocol as p
    from webapp.realtime.broadcast import broadcaster

    for m in markers:
        broadcaster().group(video_id, p.dump(p.PropagationDone(
            cancelled=True, reason="worker_lost", done=m.get("done", 0),
            total=m.get("total", 0), by=m.get("by"), job=m.get("gen"))))


_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry
