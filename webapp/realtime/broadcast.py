"""Send channel-layer messages from any thread, in the order they were sent.

- Scaled out (channels_redis pub/sub layer): one Redis PUBLISH on the calling thread, in the
  layer's own wire format. No event-loop hop: in a worker that hop cost ~1 ms per click.
- Embedded (in-memory layer, not thread-safe): the web process binds the broadcaster to its
  event loop and the inference thread hands messages to it; one pump task sends them in order.
  A process with no bound loop gets a private loop thread.
"""
from __future__ import annotations

import asyncio
import logging
import threading

from channels.layers import get_channel_layer
from django.conf import settings

from webapp.realtime import trace

log = logging.getLogger(__name__)

EVENT_TYPE = "room.event"  # layer message type; the consumer's `room_event` handler


def group_name(video_id: int) -> str:
    return f"video.{video_id}"


def project_group_name(project_id: int) -> str:
    """The project page's group (`/ws/projects/<id>/`): its videos' list-level changes."""
    return f"project.{project_id}"


class RedisPublisher:
    """Publishes exactly as channels_redis.pubsub's group_send and send do: the group's pub/sub
    channel is `<prefix>__group__<group>`, a consumer's is its channel name, and the payload is
    the layer's serialisation (tests/realtime/test_broadcast.py holds it to that)."""

    def __init__(self, layer, prefix: str, url: str) -> None:
        import redis

        self.layer, self.prefix = layer, prefix
        self.redis = redis.Redis.from_url(url)

    def publish(self, kind: str, target: str, message: dict) -> None:
        channel = f"{self.prefix}__group__{target}" if kind == "group" else target
        self.redis.publish(channel, self.layer.serialize(message))


def _redis_publisher():
    layer = get_channel_layer()
    if type(layer).__name__ == "RedisPubSubChannelLayer" and settings.REDIS_URL:
        return RedisPublisher(layer, settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
                              settings.REDIS_URL)
    return None


class Broadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._publisher: RedisPublisher | None | bool = False  # False: not looked up yet
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use `loop` (call from inside it) for all sends from now on."""
        with self._lock:
            if self._loop is loop and self._queue is not None:
                return
            self._loop, self._queue = loop, asyncio.Queue()
            loop.create_task(self._pump(self._queue))

    def _ensure_loop(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            if self._loop is not None and not self._loop.is_closed():
                return self._loop, self._queue
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                self._queue = asyncio.Queue()
                loop.create_task(self._pump(self._queue))
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="maskflow-broadcast", daemon=True).start()
            ready.wait()
            self._loop = loop
            return loop, self._queue

    async def _pump(self, queue: asyncio.Queue) -> None:
        layer = get_channel_layer()
        while True:
            kind, target, message = await queue.get()
            try:
                if kind == "group":
                    await layer.group_send(target, message)
                else:
                    await layer.send(target, message)
                trace.stamp("bc.published")
            except Exception:  # the layer is lossy by contract; sync repairs clients
                log.exception("channel layer send to %s failed", target)
            finally:
                queue.task_done()

    def _put(self, item: tuple) -> None:
        if self._publisher is False:
            self._publisher = _redis_publisher()
        if self._publisher is not None:
            try:
                self._publisher.publish(*item)
                trace.stamp("bc.published")
            except Exception:  # lossy by contract, as the layer itself: sync repairs clients
                log.exception("publish to %s failed", item[1])
            return
        loop, queue = self._ensure_loop()
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the bound loop closed (tests); the message is dropped
            log.warning("broadcast loop closed; dropped a message to %s", item[1])

    def group(self, video_id: int, event: dict) -> None:
        """Send `event` (a server message dict) to everyone in the video's room."""
        self._put(("group", group_name(video_id), {"type": EVENT_TYPE, "event": event}))

    def group_many(self, video_id: int, events: list[dict]) -> None:
        """Send several events as one layer message (one Redis round trip for a batch of
        propagated frames); each client still receives them one by one, in order."""
        if events:
            self._put(("group", group_name(video_id), {"type": EVENT_TYPE, "events": events}))

    def project(self, project_id: int, event: dict) -> None:
        """Send `event` to everyone on the project's page (its project socket)."""
        self._put(("group", project_group_name(project_id), {"type": EVENT_TYPE, "event": event}))

    def to_group(self, group: str, message: dict) -> None:
        """Send a raw layer message (its own `type`) to any group."""
        self._put(("group", group, message))

    def send(self, channel: str, event: dict) -> None:
        """Send `event` to one consumer (its channel name)."""
        self._put(("send", channel, {"type": EVENT_TYPE, "event": event}))


_broadcaster = Broadcaster()


def broadcaster() -> Broadcaster:
    return _broadcaster
