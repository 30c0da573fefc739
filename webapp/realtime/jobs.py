"""Propagation job control and the applied-prompt store, in memory (embedded) or in Redis
(scaled out, shared by servers and workers). Each propagate.start is a job with its own id
(`job_id` here, `job` on the wire); the control keeps one record per queued or running job."""
from __future__ import annotations

import json
import threading
import time

from django.conf import settings

from webapp.env import env
from webapp.realtime.redisio import client, prefix, workers_key


def _ttl_ms() -> int:
    return settings.REALTIME_LEASE_TTL_S * 1000


def record(job_id: int, job: dict, worker: str | None) -> dict:
    """What the control keeps about a queued or running propagation job."""
    return {"job_id": job_id, "worker": worker or "", "by": job.get("by"),
            "object_ids": job.get("object_ids", []), "done": job.get("done", 0),
            "total": job.get("total", 0)}


# --- memory (embedded) ------------------------------------------------------------------------
class MemoryControl:
    """Propagation jobs of this process's videos (embedded): ids, records, cancel requests.
    Several jobs of one video may run at once (on different objects); see RedisControl."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[int, int] = {}
        self._active: dict[int, dict[int, dict]] = {}  # video -> job_id -> record
        self._cancel: dict[tuple[int, int], str] = {}  # (video, job_id) -> reason

    def new_job(self, video_id: int) -> int:
        with self._lock:
            self._next[video_id] = job_id = self._next.get(video_id, 0) + 1
            return job_id

    def set_active(self, video_id: int, job_id: int, job: dict, worker: str | None = None) -> None:
        with self._lock:
            self._active.setdefault(video_id, {})[job_id] = record(job_id, job, worker)

    def clear_active(self, video_id: int, job_id: int) -> None:
        with self._lock:
            self._active.get(video_id, {}).pop(job_id, None)
            self._cancel.pop((video_id, job_id), None)

    def actives(self, video_id: int) -> dict[int, dict]:
        with self._lock:
            return dict(self._active.get(video_id, {}))

    def cancel(self, video_id: int, job_ids, reason: str) -> None:
        with self._lock:
            for job_id in job_ids:
                self._cancel[(video_id, job_id)] = reason

    def cancelled(self, video_id: int, job_id: int) -> str | None:
        return self._cancel.get((video_id, job_id))

    def reap(self, video_id: int) -> list[dict]:
        return []  # the inference thread lives and dies with this process


class MemoryApplied:
    """Highest prompt seq whose result was stored, per video (this process)."""

    def __init__(self) -> None:
        self._seq: dict[int, int] = {}

    def get(self, video_id: int) -> int:
        return self._seq.get(video_id, 0)

    def set(self, video_id: int, seq: int) -> None:
        self._seq[video_id] = max(seq, self._seq.get(video_id, 0))


# --- Redis (scaled out) -----------------------------------------------------------------------
class RedisControl:
    """Propagation jobs, shared by servers and workers. Each propagate.start is a job with its
    own id (`job_id`, per video); several jobs of one video run at once when their objects
    differ. A job's record (jobs.record) is set when it is queued and as it runs, and removed when
    it ends; it tells a cancel what runs and the watchdog (reap) whether its worker died. A
    cancel is a per-job flag the job reads before every frame."""

    # Remove and return the records of jobs whose worker stopped beating.
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

    def set_active(self, video_id: int, job_id: int, job: dict, worker: str | None = None) -> None:
        k = self._k(video_id, "running")
        pipe = client().pipeline()
        entry = record(job_id, job, worker or env("MASKFLOW_WORKER_NAME"))
        pipe.hset(k, str(job_id), json.dumps(entry))
        pipe.pexpire(k, _ttl_ms())
        pipe.execute()

    def clear_active(self, video_id: int, job_id: int) -> None:
        pipe = client().pipeline()
        pipe.hdel(self._k(video_id, "running"), str(job_id))
        pipe.hdel(self._k(video_id, "cancel"), str(job_id))
        pipe.execute()

    def actives(self, video_id: int) -> dict[int, dict]:
        raw = client().hgetall(self._k(video_id, "running"))
        return {int(j): json.loads(r) for j, r in raw.items()}

    def cancel(self, video_id: int, job_ids, reason: str) -> None:
        job_ids = list(job_ids)
        if job_ids:
            k = self._k(video_id, "cancel")
            pipe = client().pipeline()
            pipe.hset(k, mapping={str(j): reason for j in job_ids})
            pipe.pexpire(k, _ttl_ms())
            pipe.execute()

    def cancelled(self, video_id: int, job_id: int) -> str | None:
        return client().hget(self._k(video_id, "cancel"), str(job_id))

    def reap(self, video_id: int) -> list[dict]:
        """Records of jobs whose worker stopped beating, removed (atomically: of all servers
        that ask, one gets each)."""
        raw = self._reap(keys=[self._k(video_id, "running"), workers_key()],
                         args=[time.time() - settings.REALTIME_WORKER_STALE_S])
        return [json.loads(m) for m in raw]


class RedisApplied:
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
