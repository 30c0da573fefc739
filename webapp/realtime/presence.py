"""Who is in a video's room and where: in memory (embedded) or in Redis with expiry (scaled out).

Entries are per connection; `users()` folds them to one per username (the latest). A web
server that dies never runs its disconnect handlers, so Redis entries carry a timestamp and
readers drop those older than PRESENCE_TTL_S; live consumers refresh theirs periodically.
"""
from __future__ import annotations

import asyncio
import json
import time

from django.conf import settings


PRESENCE_TTL_S = 30.0
REFRESH_S = 10.0


def _fold(entries: list[dict]) -> list[dict]:
    latest: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: e["ts"]):
        latest[e["username"]] = e
    return [{"username": u, "frame": e.get("frame"), "object_id": e.get("object_id")}
            for u, e in sorted(latest.items())]


class MemoryPresence:
    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, dict]] = {}

    async def set(self, video_id: int, channel: str, entry: dict) -> None:
        self._rooms.setdefault(video_id, {})[channel] = dict(entry, ts=time.time())

    async def remove(self, video_id: int, channel: str) -> None:
        room = self._rooms.get(video_id, {})
        room.pop(channel, None)
        if not room:
            self._rooms.pop(video_id, None)

    async def users(self, video_id: int) -> list[dict]:
        return _fold(list(self._rooms.get(video_id, {}).values()))


class RedisPresence:
    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix
        self._clients: dict[int, object] = {}

    def _client(self):
        # redis.asyncio connections belong to the loop that made them.
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._clients.get(id(loop))
        if client is None:
            client = self._clients[id(loop)] = aioredis.Redis.from_url(self.url)
        return client

    def _key(self, video_id: int) -> str:
        return f"{self.prefix}:presence:{video_id}"

    async def set(self, video_id: int, channel: str, entry: dict) -> None:
        r = self._client()
        key = self._key(video_id)
        await r.hset(key, channel, json.dumps(dict(entry, ts=time.time())))
        await r.expire(key, int(PRESENCE_TTL_S * 4))

    async def remove(self, video_id: int, channel: str) -> None:
        await self._client().hdel(self._key(video_id), channel)

    async def users(self, video_id: int) -> list[dict]:
        r = self._client()
        raw = await r.hgetall(self._key(video_id))
        now, live, stale = time.time(), [], []
        for channel, blob in raw.items():
            entry = json.loads(blob)
            if now - entry["ts"] <= PRESENCE_TTL_S:
                live.append(entry)
            else:
                stale.append(channel)
        if stale:
            await r.hdel(self._key(video_id), *stale)
        return _fold(live)


_store = None


def presence_store():
    global _store
    if _store is None:
        if settings.SCALED_OUT:
            _store = RedisPresence(settings.REDIS_URL, settings.REALTIME_PREFIX)
        else:
            _store = MemoryPresence()
    return _store
