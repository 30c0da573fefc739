"""The same loop in the embedded mode on a live server: uvicorn with no REDIS_URL (in-memory
channel layer, the inference thread inside the web process), on Postgres and on SQLite (what
`make run` uses with no configuration; the realtime SQL in webapp/realtime/sql.py runs on both)."""
from __future__ import annotations

import os

import pytest

from .stack import Client, Stack, final_masks, services_up
from .test_stack import click, new_object

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

if os.environ.get("CI") != "true" and not services_up():
    pytest.skip("Postgres not running (CI=true never skips)", allow_module_level=True)


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def embedded(request, tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("embedded"), embedded=True, sqlite=request.param == "sqlite",
              videos={"clip": (48, 160, 120)})
    try:
        yield s.start()
    finally:
        print(s.logs())
        s.stop()


async def test_the_embedded_server_runs_the_whole_loop(embedded):
    vid = embedded.video_ids["clip"]
    a = await Client.connect(embedded, vid, "alice", origin=embedded.base)
    b = await Client.connect(embedded, vid, "bob")
    o1 = await new_object(a, label="disc")
    o2 = await new_object(b)
    await b.wait(lambda m: m["type"] == "object.created" and m["object"]["id"] == o1)
    await click(a, o1, 0, 40, 40)
    await click(b, o2, 0, 120, 80)
    # propagation of one object, interleaved with a prompt on the other; both clients see it
    start = len(b.msgs)
    await a.request({"type": "propagate.start", "frame": 0, "object_ids": [o1]})
    await b.wait(lambda m: m["type"] == "masks" and m["source"] == "propagation", 60, start)
    got = await click(b, o2, 20, 120, 80)
    done = await b.wait(lambda m: m["type"] == "propagation.done", 120, start)
    assert done["cancelled"] is False and done["done"] == 48
    assert got["_t"] < done["_t"]
    frames = {m["frame"] for m in b.since(start, "masks") if m["source"] == "propagation"}
    assert frames == set(range(48))
    # cancel
    start = len(a.msgs)
    await a.request({"type": "propagate.start", "frame": 0})
    await a.request({"type": "propagate.cancel"})
    done = await a.wait(lambda m: m["type"] == "propagation.done", 60, start)
    assert done["cancelled"] is True
    # viewer and bad input
    v = await Client.connect(embedded, vid, "vera")
    assert (await v.request({"type": "object.create"}))["code"] == "forbidden"
    assert (await a.request({"type": "prompt.add", "object_id": o1, "frame": 48,
                             "points": [[1, 1]], "labels": [1]}))["code"] == "out_of_range"
    # reconnect + sync recovers what a saw live
    await b.close()
    c = await Client.connect(embedded, vid, "bob")
    s = len(c.msgs)
    await c.send({"type": "sync", "since_seq": 0})
    await c.wait(lambda m: m["type"] == "sync.done", 60, s)
    assert final_masks(c.since(s)) == final_masks(a.msgs)
    for cl in (a, v, c):
        await cl.close()
