"""The Redis lease registry, control keys and presence store, against the real Redis."""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import pytest

from webapp.realtime import jobs, redisio, workers
from webapp.realtime.protocol import Refusal
from webapp.realtime.presence import PRESENCE_TTL_S, RedisPresence

from .stack import services_up

if os.environ.get("CI") != "true" and not services_up():
    pytest.skip("Redis not running (CI=true never skips)", allow_module_level=True)

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def reg(settings, monkeypatch):
    prefix = f"mftest{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = REDIS_URL
    settings.REALTIME_PREFIX = prefix
    r = redisio.client()
    yield workers.Registry()
    keys = r.keys(f"{prefix}:*")
    if keys:
        r.delete(*keys)


def test_a_video_sticks_to_its_live_worker(reg):
    reg.heartbeat("w1")
    reg.heartbeat("w2")
    first, prev = reg.lease(1)
    assert prev is None and first in ("w1", "w2")
    for _ in range(10):
        assert reg.lease(1) == (first, None)


def test_a_dead_workers_video_moves_to_a_live_worker(reg):
    reg.heartbeat("dead")
    assert reg.lease(5)[0] == "dead"
    redisio.client().zadd(reg.workers_key, {"dead": time.time() - workers.stale_s() - 1})
    reg.heartbeat("alive")
    owner, prev = reg.lease(5)
    assert (owner, prev) == ("alive", "dead")
    assert reg.holder(5) == ("alive", True)


def test_the_holder_check_sees_a_dead_holder_and_servers_stop_using_it(reg, settings):
    from webapp.realtime import dispatch

    assert reg.holder(3) == (None, False)
    reg.heartbeat("w1")
    reg.lease(3)
    assert reg.holder(3) == ("w1", True)
    dispatch.note_holder(3, *reg.holder(3))
    settings.SCALED_OUT = True
    redisio.client().zadd(reg.workers_key, {"w1": time.time() - workers.stale_s() - 1})
    reg.heartbeat("w2")
    assert dispatch.target(3) == "w1"  # fresh from the last look: no round trip
    dispatch.note_holder(3, *reg.holder(3))  # the watchdog's next look
    assert reg.holder(3) == ("w1", False)
    assert dispatch.target(3) == "w2"  # the lease moves as usual
    assert reg.holder(3) == ("w2", True)
    dispatch.note_holder(3, None, False)


def test_no_live_worker_means_unavailable(reg):
    redisio.client().zadd(reg.workers_key, {"old": time.time() - 60})
    with pytest.raises(Refusal) as exc:
        reg.lease(9)
    assert exc.value.code == "unavailable"


def test_propagation_jobs_cancels_and_the_applied_store_are_shared_state(reg):
    ctl, applied = jobs.RedisControl(), jobs.RedisApplied()
    g1, g2 = ctl.new_job(3), ctl.new_job(3)
    assert g2 == g1 + 1
    ctl.set_active(3, g1, {"by": "alice", "object_ids": [1, 2], "total": 9}, "w1")
    ctl.set_active(3, g2, {"by": "bob", "object_ids": [3]}, "w1")
    assert {g: (m["by"], m["object_ids"]) for g, m in ctl.actives(3).items()} == {
        g1: ("alice", [1, 2]), g2: ("bob", [3])}
    ctl.cancel(3, [g1], "superseded")
    assert (ctl.cancelled(3, g1), ctl.cancelled(3, g2)) == ("superseded", None)
    ctl.clear_active(3, g1)
    assert list(ctl.actives(3)) == [g2] and ctl.cancelled(3, g1) is None
    # a job whose worker stopped beating is reaped once, whoever asks
    redisio.client().zadd(redisio.workers_key(), {"w1": time.time() - 60})
    assert [m["job_id"] for m in ctl.reap(3)] == [g2]
    assert ctl.reap(3) == [] and ctl.actives(3) == {}
    applied.set(3, 10)
    applied.set(3, 7)  # never goes backwards
    assert applied.get(3) == 10


def test_presence_entries_of_a_crashed_server_expire(reg):
    store = RedisPresence(REDIS_URL, redisio.prefix())

    async def run():
        await store.set(4, "live-channel", {"username": "alice", "frame": 1, "object_id": None})
        r = store._client()
        stale = {"username": "ghost", "frame": 2, "object_id": None,
                 "ts": time.time() - PRESENCE_TTL_S - 1}
        await r.hset(store._key(4), "dead-channel", json.dumps(stale))
        users = await store.users(4)
        left = await r.hkeys(store._key(4))
        await r.aclose()
        return users, left

    users, left = asyncio.run(run())
    assert [u["username"] for u in users] == ["alice"]
    assert [k.decode() if isinstance(k, bytes) else k for k in left] == ["live-channel"]
