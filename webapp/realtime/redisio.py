"""The realtime Redis connection and key prefix (scaled-out mode), shared by jobs and workers."""
from __future__ import annotations

import threading

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def prefix() -> str:
    return settings.REALTIME_PREFIX


def client() -> redis.Redis:
    with _lock:
        r = _clients.get(settings.REDIS_URL)
        if r is None:
            r = _clients[settings.REDIS_URL] = redis.Redis.from_url(
                settings.REDIS_URL, decode_responses=True, health_check_interval=30)
        return r


def workers_key() -> str:
    """Sorted set: inference worker -> time of its last heartbeat."""
    return f"{prefix()}:workers"
