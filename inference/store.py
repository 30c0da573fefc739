"""Sessions by key (video id): LRU under a memory budget, with an idle TTL."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from .session import Session

log = logging.getLogger(__name__)


class SessionStore:
    """Holds live sessions. Evicting one loses nothing: its prompt log rebuilds it (`replay`).

    `get_or_create` and `get` mark a session as used. After each insertion, sessions are
    evicted least-recently-used first until the total `memory_bytes()` fits the budget; the
    session just handed out is never evicted, so a single session over budget still works.
    """

    def __init__(
        self,
        budget_bytes: int,
        idle_ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if budget_bytes <= 0:
            raise ValueError("budget_bytes must be positive")
        self.budget_bytes = int(budget_bytes)
        self.idle_ttl_s = float(idle_ttl_s)
        self._clock = clock
        self._lock = threading.RLock()
        self._sessions: OrderedDict[Hashable, Session] = OrderedDict()
        self._last_used: dict[Hashable, float] = {}
        self.evictions = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._sessions

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._sessions)

    def _touch(self, key: Hashable) -> None:
        self._sessions.move_to_end(key)
        self._last_used[key] = self._clock()

    def get(self, key: Hashable) -> Session | None:
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                self._touch(key)
            return session

    def get_or_create(self, key: Hashable, factory: Callable[[], Session]) -> Session:
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                self._touch(key)
                return session
        # Build outside the lock: loading a session may replay a long prompt log.
        created = factory()
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:  # another thread won the race
                created.close()
            else:
                session = created
                self._sessions[key] = session
            self._touch(key)
            self.enforce_budget(keep=key)
            return session

    def total_bytes(self) -> int:
        with self._lock:
            return sum(s.memory_bytes() for s in self._sessions.values())

    def enforce_budget(self, keep: Hashable | None = None) -> list[Hashable]:
        """Evict least-recently-used sessions until the total fits the budget."""
        evicted = []
        with self._lock:
            sizes = {k: s.memory_bytes() for k, s in self._sessions.items()}
            total = sum(sizes.values())
            for key in list(self._sessions):
                if total <= self.budget_bytes:
                    break
                if key == keep:
                    continue
                total -= sizes[key]
                self.evict(key)
                evicted.append(key)
        if evicted:
            log.info("evicted sessions %s to fit %d bytes", evicted, self.budget_bytes)
        return evicted

    def evict(self, key: Hashable) -> bool:
        with self._lock:
            session = self._sessions.pop(key, None)
            self._last_used.pop(key, None)
            if session is None:
                return False
            self.evictions += 1
        session.close()
        return True

    def evict_idle(self) -> list[Hashable]:
        """Evict sessions unused for longer than the idle TTL; returns their keys."""
        now = self._clock()
        with self._lock:
            stale = [k for k, t in self._last_used.items() if now - t > self.idle_ttl_s]
        for key in stale:
            self.evict(key)
        return stale

    def clear(self) -> None:
        for key in self.keys():
            self.evict(key)
