import numpy as np
import pytest

from inference import PromptRecord, SessionStore, decode_rle


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_get_or_create_reuses_the_live_session(model, clip):
    store = SessionStore(budget_bytes=1 << 30, idle_ttl_s=60)
    made = []

    def factory():
        made.append(1)
        return clip.session(model)

    a = store.get_or_create("v1", factory)
    b = store.get_or_create("v1", factory)
    assert a is b and len(made) == 1 and len(store) == 1
    assert store.get("v1") is a and store.get("nope") is None


def test_least_recently_used_sessions_go_first_when_over_budget(model, clip):
    one = clip.session(model)
    one.frames[0]
    size = one.memory_bytes()
    one.close()
    store = SessionStore(budget_bytes=int(size * 2.5), idle_ttl_s=60)
    for key in ("a", "b"):
        s = store.get_or_create(key, lambda: clip.session(model))
        s.frames[0]  # each holds one cached frame
    store.get("a")  # "b" is now the least recently used
    store.get_or_create("c", lambda: clip.session(model)).frames[0]
    store.get_or_create("d", lambda: clip.session(model))
    assert "b" not in store
    assert "a" in store and "d" in store
    assert store.total_bytes() <= store.budget_bytes
    assert store.evictions >= 1


def test_a_single_session_over_budget_is_kept(model, clip):
    store = SessionStore(budget_bytes=1, idle_ttl_s=60)
    s = store.get_or_create("big", lambda: clip.session(model))
    s.frames[0]
    store.enforce_budget(keep="big")
    assert store.get("big") is s


def test_idle_sessions_expire(model, clip):
    clock = FakeClock()
    store = SessionStore(budget_bytes=1 << 30, idle_ttl_s=30, clock=clock)
    store.get_or_create("old", lambda: clip.session(model))
    clock.t += 20
    store.get_or_create("new", lambda: clip.session(model))
    clock.t += 15
    assert store.evict_idle() == ["old"]
    assert store.keys() == ["new"]
    assert store.evict("new") is True and store.evict("new") is False
    assert len(store) == 0


def test_evicted_session_is_rebuilt_from_its_prompt_log(model, clip):
    log = [
        PromptRecord("point", 1, 2, points=[clip.blob(2, 0)], labels=[1]),
        PromptRecord("box", 2, 2, box=[4, 4, 30, 30]),
    ]

    def factory():
        s = clip.session(model)
        s.replay(log)
        return s

    store = SessionStore(budget_bytes=1 << 30, idle_ttl_s=60)
    first = store.get_or_create(7, factory)
    before = [{m.object_id: decode_rle(m.rle) for m in r.masks} for r in first.propagate(max_frames=5)]
    store.evict(7)
    second = store.get_or_create(7, factory)
    assert second is not first
    after = [{m.object_id: decode_rle(m.rle) for m in r.masks} for r in second.propagate(max_frames=5)]
    assert len(before) == len(after) == 5
    for x, y in zip(before, after):
        assert x.keys() == y.keys() == {1, 2}
        assert all(np.array_equal(x[k], y[k]) for k in x)


def test_budget_must_be_positive():
    with pytest.raises(ValueError):
        SessionStore(budget_bytes=0, idle_ttl_s=1)
