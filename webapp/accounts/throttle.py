"""Failed sign-in counters in Django's cache (locmem embedded, Redis when REDIS_URL is set).

Only failures count, per username and per client address, in fixed windows: LOGIN_RATE
failures per username, LOGIN_IP_RATE per address. Once over, every attempt (right password or
not) gets 429 with Retry-After until the window ends, so guessing costs a window per
LOGIN_RATE tries. A success clears the username's counter."""
from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/min" -> (10, 60). Raises ValueError on a malformed rate."""
    num, _, period = rate.partition("/")
    count = int(num)
    seconds = _PERIODS[period.strip()[:1].lower()]
    if count < 1:
        raise ValueError(f"rate {rate!r} must allow at least one attempt")
    return count, seconds


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or with NUM_PROXIES=n trusted proxies in front, the
    address the outermost of them saw (n-th from the right of X-Forwarded-For)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def _key(kind: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"maskflow:login-fail:{kind}:{digest}:{window}"


def _buckets(request, username: str, now: float) -> list[tuple[str, int, float]]:
    """(cache key of the current window, allowed failures, seconds until the window ends)."""
    out = []
    for kind, value, rate in (
        ("user", username.strip().lower(), settings.LOGIN_RATE),
        ("ip", client_ip(request), settings.LOGIN_IP_RATE),
    ):
        num, period = parse_rate(rate)
        window = int(now // period)
        out.append((_key(kind, value, window), num, (window + 1) * period - now))
    return out


def check_login_allowed(request, username: str, what: str = "sign-ins") -> None:
    """Throttled (429 + Retry-After) when this username or address is over its failure rate.
    Set-password links count their failures here too (username "reset:<uid>", which no
    username can be), so the address's budget is shared with sign-in guesses."""
    wait = 0.0
    for key, num, left in _buckets(request, username, time.time()):
        if (cache.get(key) or 0) >= num:
            wait = max(wait, left)
    if wait > 0:
        raise Throttled(wait=math.ceil(wait), detail=f"too many failed {what}.")


def record_login_failure(request, username: str) -> None:
    # add + incr are atomic in locmem and Redis, so parallel guesses are all counted.
    for key, _num, left in _buckets(request, username, time.time()):
        cache.add(key, 0, timeout=math.ceil(left) + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=math.ceil(left) + 1)


def clear_login_failures(request, username: str) -> None:
    cache.delete(_buckets(request, username, time.time())[0][0])
