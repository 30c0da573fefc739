"""Workers publish room events straight to Redis in channels_redis's pub/sub wire format; a
real pub/sub layer (what the web servers run) must receive them as its own group_send/send."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer

from webapp.realtime.broadcast import EVENT_TYPE, RedisPublisher

from .stack import services_up

if os.environ.get("CI") != "true" and not services_up():
    pytest.skip("Redis not running (CI=true never skips)", allow_module_level=True)

URL = "redis://127.0.0.1:6379/7"


async def test_a_published_group_event_and_a_direct_reply_reach_a_pubsub_consumer():
    prefix = f"mftest{uuid.uuid4().hex[:8]}-asgi-"
    layer = RedisPubSubChannelLayer(hosts=[URL], prefix=prefix)
    try:
        me = await layer.new_channel()
        await layer.group_add("video.7", me)
        await asyncio.sleep(0.1)  # the subscription is live
        pub = RedisPublisher(layer, prefix, URL)
        events = [{"type": "masks", "seq": 3, "frame": 1, "masks": [{"object_id": 2}]}]
        pub.publish("group", "video.7", {"type": EVENT_TYPE, "events": events})
        pub.publish("send", me, {"type": EVENT_TYPE, "event": {"type": "error", "code": "x"}})
        got = [await asyncio.wait_for(layer.receive(me), 5) for _ in range(2)]
        assert got == [{"type": EVENT_TYPE, "events": events},
                       {"type": EVENT_TYPE, "event": {"type": "error", "code": "x"}}]
        # another group's events do not arrive
        pub.publish("group", "video.8", {"type": EVENT_TYPE, "event": {"type": "pong"}})
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(me), 0.5)
    finally:
        await layer.flush()
