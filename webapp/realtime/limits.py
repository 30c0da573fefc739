"""Rate and size limits of the websocket, per connection and per user (this process).

A connection may send RATE_PER_S messages a second (burst RATE_BURST); a user's commands that
cost model time share one bucket over all of their sockets (so more sockets buy no more
inference), and a user holds at most WS_MAX_SOCKETS_PER_USER sockets."""
from __future__ import annotations

import time

from django.conf import settings

from webapp.realtime.protocol import Refusal

RATE_PER_S = 60.0  # messages per connection
RATE_BURST = 120.0
INFERENCE_TYPES = frozenset({"prompt.add", "prompt.mask", "propagate.start"})


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.t = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


# Per user, in this process: open sockets, and a token bucket for the commands that cost model
# time, shared by all of the user's sockets (so more sockets do not buy more inference).
_sockets: dict[int, int] = {}
_user_buckets: dict[int, TokenBucket] = {}


def _user_bucket(user_id: int) -> TokenBucket:
    bucket = _user_buckets.get(user_id)
    if bucket is None:
        rate = float(settings.WS_USER_INFERENCE_RATE)
        bucket = _user_buckets[user_id] = TokenBucket(rate, 2 * rate)
    return bucket


def connection_bucket() -> TokenBucket:
    return TokenBucket(RATE_PER_S, RATE_BURST)


def open_socket(user_id: int, username: str) -> None:
    """Count a new socket of the user, or refuse it (rate_limited) over the cap."""
    if _sockets.get(user_id, 0) >= settings.WS_MAX_SOCKETS_PER_USER:
        raise Refusal("rate_limited", f"{username} already has {settings.WS_MAX_SOCKETS_PER_USER}"
                      " open connections (WS_MAX_SOCKETS_PER_USER); close one first")
    _sockets[user_id] = _sockets.get(user_id, 0) + 1


def close_socket(user_id: int) -> None:
    left = _sockets.get(user_id, 1) - 1
    if left > 0:
        _sockets[user_id] = left
    else:
        _sockets.pop(user_id, None)
        _user_buckets.pop(user_id, None)


def charge_message(bucket: TokenBucket) -> None:
    """One message on a connection; Refusal(rate_limited) when its bucket is empty."""
    if not bucket.take():
        raise Refusal("rate_limited", f"more than {RATE_PER_S:g} messages/s; slow down")


def charge_inference(user_id: int, msg) -> None:
    """One parsed message of the user's; those that cost model time draw on the bucket all of
    the user's sockets share. Refusal(rate_limited) when it is empty."""
    if msg.type in INFERENCE_TYPES and not _user_bucket(user_id).take():
        raise Refusal("rate_limited", f"more than {settings.WS_USER_INFERENCE_RATE} "
                      "prompts/propagations a second from your connections; slow down", msg.req)
