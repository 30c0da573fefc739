"""Outages survived, with real processes on loopback: a Redis restart mid-session, a web server
killed, a Postgres restart. One cluster (private Redis and Postgres, two web servers, one
inference worker, one CPU worker: tests/ops/conftest.py) serves the tests in order; each
leaves it healthy.
Recovery times are printed (and recorded in bench/RESULTS.md)."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.ops.cluster import (RECOVERY, assert_no_acked_mask_lost, click, last_seq,
                               new_object, resync)
from tests.ops.services import wait_until
from tests.realtime.stack import Client

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300)]


@pytest.fixture
def cluster(ops_cluster):
    yield ops_cluster
    print("RECOVERY", {k: round(v, 2) for k, v in RECOVERY.items()})


async def _room(cluster):
    s = cluster.stack
    vid = s.video_ids["short"]
    a = await Client.connect(s, vid, "alice", port=s.ports[0])
    b = await Client.connect(s, vid, "bob", port=s.ports[1])
    return s, vid, a, b


async def test_a_redis_restart_mid_session_loses_no_acked_mask(cluster):
    s, vid, a, b = await _room(cluster)
    oid = await new_object(a)
    acked = []
    for frame in (0, 1):
        await click(a, oid, frame)
        acked.append((oid, frame))
    try:
        await b.wait(lambda m: m["type"] == "masks" and m["frame"] == 1, 10)
    except asyncio.TimeoutError:
        raise AssertionError(f"b: {[(m['type'], m.get('frame'), m.get('seq')) for m in b.msgs]}"
                             f" a: {[(m['type'], m.get('frame'), m.get('seq')) for m in a.msgs]}")

    t_down = time.perf_counter()
    cluster.redis.kill()
    await asyncio.sleep(1.0)  # clients and workers notice the broken connections
    cluster.redis.start()
    t_up = time.perf_counter()

    # Workers re-register (their heartbeats recreate the registry Redis lost).
    await asyncio.to_thread(wait_until, lambda: s.live_workers(), 30, "worker re-registered")
    RECOVERY["redis: worker re-registered after Redis is back (s)"] = time.perf_counter() - t_up
    # b reconnects (as a browser whose socket broke) and syncs from the largest seq it saw;
    # a keeps its socket open: its server must have subscribed it again to the room.
    b, tb = await resync(s, b, vid, s.ports[1])
    ta = 0.0
    # The next click works, and the other client sees it live.
    t_click = time.perf_counter()
    for attempt in range(3):
        try:
            await click(a, oid, 2, timeout=10)
            break
        except (AssertionError, asyncio.TimeoutError):
            assert attempt < 2, "no click worked after the Redis restart: " + s.logs()
    acked.append((oid, 2))
    RECOVERY["redis: first click answered after Redis is back (s)"] = time.perf_counter() - t_up
    RECOVERY["redis: outage (kill to start) (s)"] = t_up - t_down
    print(f"resync {ta:.2f}/{tb:.2f} s; click after {time.perf_counter() - t_click:.2f} s")
    await b.wait(lambda m: m["type"] == "masks" and m["frame"] == 2, 10)
    # A click by the other client on its new server reaches the first live too.
    await click(b, oid, 3)
    acked.append((oid, 3))
    await a.wait(lambda m: m["type"] == "masks" and m["frame"] == 3, 10)
    assert_no_acked_mask_lost(s, vid, [a, b], acked)
    await a.close()
    await b.close()


async def test_a_web_server_killed_its_clients_reconnect_to_the_other_and_miss_nothing(cluster):
    s, vid, a, b = await _room(cluster)
    oid = await new_object(a)
    await click(a, oid, 4)
    await b.wait(lambda m: m["type"] == "masks" and m["frame"] == 4, 10)
    seen_before = last_seq(b)

    cluster.restart_server(1)  # b's server, SIGKILL
    t_kill = time.perf_counter()
    # While b is away the room goes on: a click and a new object it did not see live.
    await click(a, oid, 5)
    oid2 = await new_object(a)
    n_before = len(b.msgs)
    b, took = await resync(s, b, vid, s.ports[0])
    RECOVERY["web server killed: client reconnected to the other and synced (s)"] = (
        time.perf_counter() - t_kill)
    synced = b.msgs[n_before:]
    assert any(m["type"] == "masks" and m["frame"] == 5 and m["seq"] > seen_before
               for m in synced), "the click made while b was away did not come in the sync"
    assert any(m["type"] == "object.created" and m["object"]["id"] == oid2 for m in synced)
    # Live again on the surviving server, and the killed one comes back.
    await click(a, oid, 6)
    await b.wait(lambda m: m["type"] == "masks" and m["frame"] == 6, 10)
    assert_no_acked_mask_lost(s, vid, [a, b], [(oid, 4), (oid, 5), (oid, 6)])
    cluster.start_server_again(1)
    c = await Client.connect(s, vid, "bob", port=s.ports[1])
    await click(a, oid, 7)
    await c.wait(lambda m: m["type"] == "masks" and m["frame"] == 7, 10)
    for x in (a, b, c):
        await x.close()


async def test_a_postgres_restart_answers_503_while_down_and_clicks_work_after(cluster):
    s, vid, a, b = await _room(cluster)
    oid = await new_object(a)
    await click(a, oid, 8)

    cluster.pg.stop()
    t_down = time.perf_counter()
    try:
        for port in s.ports:
            r = await asyncio.to_thread(_get, s, port, f"/api/videos/{vid}/")
            assert r.status_code == 503, (r.status_code, r.text[:300])
            assert r.json() == {"detail": "database unavailable"}
        took = time.perf_counter() - t_down
        assert took < 15, f"503s took {took:.1f} s: requests must fail fast"
    finally:
        cluster.pg.start()
    t_up = time.perf_counter()
    for port in s.ports:
        r = await asyncio.to_thread(_get, s, port, f"/api/videos/{vid}/")
        assert r.status_code == 200, r.text[:300]
    RECOVERY["postgres: REST answers 200 after Postgres is back (s)"] = time.perf_counter() - t_up
    # No worker left broken: a click (new socket: the old ones may have been closed) works.
    a, _ = await resync(s, a, vid, s.ports[0])
    await click(a, oid, 9, timeout=15)
    RECOVERY["postgres: first click answered after Postgres is back (s)"] = (
        time.perf_counter() - t_up)
    await click(a, oid, 10, timeout=15)
    assert_no_acked_mask_lost(s, vid, [a], [(oid, 8), (oid, 9), (oid, 10)])
    await a.close()
    await b.close()


def _get(stack, port: int, path: str):
    import requests

    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=30,
                        headers={"Authorization": f"Token {stack.tokens['alice']}"})
