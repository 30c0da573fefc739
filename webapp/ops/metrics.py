"""This process's Prometheus metrics (every name starts with `maskflow_`).

One registry per process, no multiprocess directory: a web server serves its own at `/metrics`,
and each worker (`python -m webapp.realtime.worker --metrics-port N`, or METRICS_PORT) serves
its own on that port. Prometheus scrapes every process as its own target and labels it with
`instance`; the dashboard sums or maxes over them. Hooks elsewhere are one call per event.

Imports nothing heavy: the web tier stays torch-free; VRAM is read only when this process
already imported torch (an inference worker) and CUDA is initialised.
"""
from __future__ import annotations

import os
import sys
import time

import psutil
from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram,
                               disable_created_metrics)
from prometheus_client.core import GaugeMetricFamily

disable_created_metrics()  # no `_created` series: half the text, nothing a dashboard uses
REGISTRY = CollectorRegistry(auto_describe=True)
_role = {"role": "web"}
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

HTTP_REQUESTS = Counter("maskflow_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_SECONDS = Histogram("maskflow_http_request_seconds", "HTTP request handling time",
                         ["method"], registry=REGISTRY,
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
WS_CONNECTIONS = Counter("maskflow_ws_connections_total",
                         "websockets accepted into a video room or project page", registry=REGISTRY)
WS_OPEN = Gauge("maskflow_ws_open_connections",
                "websockets open in video rooms and project pages now", registry=REGISTRY)
WS_MESSAGES = Counter("maskflow_ws_messages_total", "websocket messages received from clients",
                      registry=REGISTRY)
CLICK_SECONDS = Histogram(
    "maskflow_click_to_mask_seconds",
    "from the server receiving a click to its masks being stored and broadcast",
    registry=REGISTRY, buckets=(.01, .025, .05, .075, .1, .15, .2, .3, .5, .75, 1, 2, 5))
PROPAGATION_FRAMES = Counter("maskflow_propagation_frames_total", "frames tracked by propagations",
                             registry=REGISTRY)
PROPAGATION_FPS = Histogram("maskflow_propagation_fps",
                            "frames per second of each propagation slice", registry=REGISTRY,
                            buckets=(1, 2, 5, 10, 15, 20, 30, 50, 75, 100, 200))
LIVE_SESSIONS = Gauge("maskflow_live_sessions", "SAM 2 sessions held in this process",
                      registry=REGISTRY)


def set_role(role: str) -> None:
    """'web', 'inference' or 'cpu': labels this process's memory series."""
    _role["role"] = role


def request_done(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "OTHER"
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_SECONDS.labels(method).observe(seconds)


def ws_opened() -> None:
    WS_CONNECTIONS.inc()
    WS_OPEN.inc()


def ws_closed() -> None:
    WS_OPEN.dec()


def ws_message() -> None:
    WS_MESSAGES.inc()


def click_answered(cmd: dict) -> None:
    """A prompt command's masks are out; `t` is when the web server took the click (unix s)."""
    t = cmd.get("t")
    if isinstance(t, (int, float)) and cmd.get("reply_to"):
        CLICK_SECONDS.observe(max(0.0, time.time() - t))


def propagated(frames: int, seconds: float) -> None:
    if frames > 0:
        PROPAGATION_FRAMES.inc(frames)
        if seconds > 0:
            PROPAGATION_FPS.observe(frames / seconds)


def watch_sessions(store) -> None:
    """Report len(store) as maskflow_live_sessions (the runner's SessionStore)."""
    LIVE_SESSIONS.set_function(lambda: len(store))


class _ProcessCollector:
    """Resident memory of this process, and CUDA memory when torch already runs here."""

    def collect(self):
        rss = GaugeMetricFamily("maskflow_process_resident_bytes", "resident memory (RSS)",
                                labels=["role", "pid"])
        rss.add_metric([_role["role"], str(os.getpid())], psutil.Process().memory_info().rss)
        yield rss
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            vram = GaugeMetricFamily("maskflow_cuda_memory_bytes", "CUDA memory of this process",
                                     labels=["role", "kind"])
            vram.add_metric([_role["role"], "allocated"], torch.cuda.memory_allocated())
            vram.add_metric([_role["role"], "reserved"], torch.cuda.memory_reserved())
            yield vram


REGISTRY.register(_ProcessCollector())
