"""Image features one frame ahead: the image encoder of frame t+1 runs on a second thread
while the model thread tracks frame t.

A propagated frame is the image encoder (a function of the frame alone, about half of the
frame's time with random-tiny on a CPU) followed by memory attention, the mask decoder and
the memory encoder (which need frame t-1's result). The encoder of the next frame can
therefore run beside the tracking of this one. Two threads with one torch thread each keep
two cores busy, where one thread with two torch threads gets about 1.2 times one thread's
speed on this model (OpenMP's fork and join around every small kernel) and spin-waits badly
when another process wants a core. Every result is what upstream's `_get_image_feature`
computes itself, handed to it through the state's `cached_features`, exactly as upstream
caches a frame it has just encoded.

CPU only: on CUDA the encoder's kernels already run asynchronously to the Python that
launches them. One background thread per process serves every session.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import torch

from .threads import cpu_count

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _one_thread() -> None:
    torch.set_num_threads(1)  # this thread's own OpenMP count: it never forms a team


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(1, thread_name_prefix="maskflow-features",
                                       initializer=_one_thread)
        return _pool


def wanted(device: torch.device | str) -> bool:
    """Whether encoding ahead pays on this device and machine: CPU with two cores or more."""
    return torch.device(device).type == "cpu" and cpu_count() >= 2


class FeaturesAhead:
    """The encoder outputs of the frames a session's propagation reaches next, computed on
    the process's feature thread. `want` queues frames, `take` waits for one (None when it
    was never queued) and `clear` drops what nobody took."""

    def __init__(self, predictor, frame, device, ctx, depth: int = 1) -> None:
        # `frame(i)`: the session's frame i at model resolution, read when it is encoded.
        self._p, self._frame, self._device, self._ctx = predictor, frame, device, ctx
        self.depth = depth
        self._pending: OrderedDict[int, Future] = OrderedDict()
        self.hits = 0

    def _encode(self, frame_idx: int):
        with self._ctx():
            image = self._frame(frame_idx).to(self._device).float().unsqueeze(0)
            return image, self._p.forward_image(image)

    def want(self, frame_idxs) -> None:
        for idx in list(frame_idxs)[: self.depth]:
            if idx not in self._pending:
                self._pending[idx] = _executor().submit(self._encode, idx)
        while len(self._pending) > self.depth + 1:  # a changed plan: drop the oldest
            self._pending.popitem(last=False)[1].cancel()

    def take(self, frame_idx: int):
        """(image, backbone_out) of `frame_idx` if it was queued, else None."""
        fut = self._pending.pop(frame_idx, None)
        if fut is None or fut.cancelled():
            return None
        self.hits += 1
        return fut.result()

    def clear(self) -> None:
        for fut in self._pending.values():
            fut.cancel()
        for fut in self._pending.values():  # one already running: let it finish first
            if not fut.cancelled():
                try:
                    fut.result()
                except Exception:  # noqa: BLE001 - the frame's owner reports it when it asks
                    pass
        self._pending.clear()
