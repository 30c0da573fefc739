"""Health and metrics on a real scaled-out stack (uvicorn, Redis, Postgres, Celery workers):
/readyz follows the workers as they come and go, the web server's /metrics counts websockets
and sees the workers and queues, and the inference worker's own metrics port shows the click."""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.realtime.stack import Client, Stack, free_port, services_up
from tests.realtime.test_stack import click, new_object

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

if os.environ.get("CI") != "true" and not services_up():
    pytest.skip("Postgres/Redis not running (CI=true never skips)", allow_module_level=True)


def samples(url: str) -> dict:
    text = requests.get(url, timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def until(fn, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


async def test_readyz_and_metrics_follow_the_stack(tmp_path):
    port = free_port()
    # Only the inference worker reads METRICS_PORT here (uvicorn does not); the CPU worker
    # added below is started without it.
    s = Stack(tmp_path, workers=1, videos={"clip": (16, 160, 120)},
              env={"METRICS_PORT": str(port)})
    try:
        s.start()
        ready = requests.get(s.base + "/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["missing"] == ["cpu_workers"]
        s.env["METRICS_PORT"] = "0"
        cpu = s.add_cpu_worker()
        until(lambda: requests.get(s.base + "/readyz", timeout=10).status_code == 200, 90,
              "/readyz did not turn 200 once a CPU worker ran")

        a = await Client.connect(s, s.video_ids["clip"], "alice")
        oid = await new_object(a)
        await click(a, oid, 0, 40, 40)
        worker = f"http://127.0.0.1:{port}/metrics"
        got = until(lambda: (lambda m: m if m.get(("maskflow_click_to_mask_seconds_count", ()))
                             else None)(samples(worker)), 30, "no click in the worker's metrics")
        assert 0 < got[("maskflow_click_to_mask_seconds_sum", ())] < 60
        assert got[("maskflow_live_sessions", ())] == 1
        assert any(k[0] == "maskflow_process_resident_bytes" and ("role", "inference") in k[1]
                   for k in got)
        web = samples(s.base + "/metrics")
        assert web[("maskflow_ws_open_connections", ())] == 1
        assert web[("maskflow_ws_messages_total", ())] >= 2
        assert web[("maskflow_live_workers", (("kind", "inference"),))] == 1
        assert web[("maskflow_live_workers", (("kind", "cpu"),))] == 1
        assert ("maskflow_queue_depth", (("queue", "cpu"),)) in web
        assert web.get(("maskflow_click_to_mask_seconds_count", ()), 0) == 0  # the worker counts it
        await a.close()

        os.killpg(cpu.pid, signal.SIGKILL)  # no clean deregistration: the beat goes stale
        t0 = time.monotonic()
        body = until(lambda: (lambda r: r.json() if r.status_code == 503 else None)(
            requests.get(s.base + "/readyz", timeout=10)), 30, "a dead CPU worker still counted")
        assert body["missing"] == ["cpu_workers"]
        print(f"readyz noticed the killed CPU worker after {time.monotonic() - t0:.1f} s")
    finally:
        print(s.logs())
        s.stop()
