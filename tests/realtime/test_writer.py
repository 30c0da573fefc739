"""The runner's writer thread: results are written in the order they were queued, and a
shutdown waits for them only so long."""
import threading

from webapp.realtime.runner import Writer


def test_writes_in_order_and_drains_with_a_deadline(db):
    w = Writer()
    assert w.drain(timeout=0.1) is True  # never started: nothing to wait for
    out = []
    for i in range(50):
        w.put(lambda i=i: out.append(i))
    assert w.drain(timeout=10) is True and out == list(range(50))
    gate = threading.Event()
    w.put(gate.wait)
    w.put(lambda: out.append("late"))
    assert w.drain(timeout=0.2) is False and out[-1] == 49
    gate.set()
    w.drain()
    assert out[-1] == "late"
    w.put(lambda: 1 / 0)  # a failing write is logged; the next ones still run
    w.put(lambda: out.append("after"))
    w.drain()
    assert out[-1] == "after"
