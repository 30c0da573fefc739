"""inference.threads.ThreadTuner: the model thread's torch thread count, chosen by measuring
frame times. Simulated with a clock that each frame advances by what the frame costs at the
count in force, so the tests are exact; one test drives real torch in a spawned thread."""
from __future__ import annotations

import threading

import pytest
import torch

from inference.threads import ThreadTuner, tuner_for


class Sim:
    """Frames whose cost depends on the thread count; `cost` can change mid-run (load)."""

    def __init__(self, cost: dict[int, float], **kw):
        self.t = 0.0
        self.cost = dict(cost)
        self.applied: list[int] = []
        self.tuner = ThreadTuner(sorted(cost), apply=self.applied.append,
                                 clock=lambda: self.t, **kw)
        self.used: list[int] = []

    def run(self, frames: int, key=None) -> list[int]:
        self.tuner.start()
        used = []
        for _ in range(frames):
            n = self.tuner.current
            self.t += self.cost[n]
            used.append(n)
            self.tuner.tick(key)
        self.used += used
        return used


def test_free_cores_pick_more_threads_and_stay():
    sim = Sim({1: 0.020, 2: 0.012})
    used = sim.run(200)
    assert used[:3] == [1, 1, 1]  # starts safe, tries 2 early
    assert all(n == 2 for n in used[10:]) or used[10:].count(1) <= 200 // 32 * 3 + 3
    # after the first probe, one thread only during probes: at most `probe` frames in 32
    assert used[10:].count(2) >= 0.85 * len(used[10:])
    assert sim.tuner.current == 2


def test_busy_cores_fall_back_to_one_thread_then_back_off_probing():
    sim = Sim({1: 0.020, 2: 0.012})
    sim.run(100)
    assert sim.tuner.current == 2
    sim.cost[2] = 0.250  # another process takes the cores: two threads spin-wait
    used = sim.run(1000)
    first_one = used.index(1)
    assert first_one <= 32 + 3  # at most one probe interval on the collapsed count
    assert sim.tuner.current == 1
    late = used[200:]
    # backing off: two-thread probes get rarer, a few frames per ~512 at the end
    assert late.count(2) <= 3 * (len(late) // (32 * 4) + 1)
    spent = sum(sim.cost[n] for n in used)
    assert spent < 1.15 * 1000 * 0.020  # within 15 % of always picking one thread


def test_load_leaves_and_two_threads_come_back():
    sim = Sim({1: 0.020, 2: 0.250})
    sim.run(600)
    assert sim.tuner.current == 1
    sim.cost[2] = 0.012
    used = sim.run(32 * 16 + 40)
    assert used[-10:] == [2] * 10


def test_noise_does_not_flip_a_clear_winner():
    import random

    rnd = random.Random(0)

    class Noisy(Sim):
        def run(self, frames, key=None):
            self.tuner.start()
            for _ in range(frames):
                n = self.tuner.current
                self.t += self.cost[n] * rnd.uniform(0.8, 1.25)
                self.used.append(n)
                self.tuner.tick(key)

    sim = Noisy({1: 0.020, 2: 0.010})
    sim.run(500)
    assert sim.used[50:].count(2) > 0.85 * 450


def test_keys_keep_their_own_samples():
    # one object: two threads win; fifty objects: one thread wins (say). Each key learns its own.
    sim = Sim({1: 0.020, 2: 0.012})
    sim.run(100, key=1)
    assert sim.tuner.median(2, key=1) == pytest.approx(0.012) and sim.tuner.median(2, key=50) is None


def test_a_fixed_count_never_changes():
    sim = Sim({3: 0.010})
    sim.run(100)
    assert sim.tuner.fixed and set(sim.used) == {3} and sim.applied == [3]
    assert tuner_for(4).candidates == [4] and tuner_for(None).candidates[0] == 1


def test_applies_torch_threads_in_the_calling_thread():
    seen = {}

    def run():
        t = [0.0]
        tuner = ThreadTuner([1, 2], every=2, probe=2, clock=lambda: t[0])  # torch's own apply
        tuner.start()
        seen["start"] = torch.get_num_threads()
        for _ in range(5):
            t[0] += 0.02 if torch.get_num_threads() == 1 else 0.01
            tuner.tick()
        seen["probe"] = torch.get_num_threads()
        seen["current"] = tuner.current

    before = torch.get_num_threads()
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen["start"] == 1 and seen["probe"] == seen["current"] == 2
    assert torch.get_num_threads() == before  # the main thread's count is its own
