"""Lazy video frames with sam2's preprocessing, an LRU under a byte budget and read-ahead."""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Union

import numpy as np
import torch
from PIL import Image

log = logging.getLogger(__name__)

# sam2.utils.misc.load_video_frames defaults (ImageNet statistics).
IMG_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
IMG_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]

FrameData = Union[bytes, bytearray, memoryview, Image.Image, np.ndarray]


def preprocess_frame(data: FrameData, image_size: int) -> torch.Tensor:
    """One frame as sam2 prepares it: RGB, resized to image_size², /255, ImageNet mean/std.

    Bit-identical to `sam2.utils.misc._load_img_as_tensor` followed by the normalisation in
    `load_video_frames_from_jpg_images` (PIL resize, float64 /255 cast to float32, float32
    subtract and divide). Only PIL and numpy run here, never torch kernels, so read-ahead on
    a background thread starts no second OpenMP team (see the threading trap in DESIGN.md).
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        img = Image.open(io.BytesIO(bytes(data)))
    elif isinstance(data, Image.Image):
        img = data
    elif isinstance(data, np.ndarray):
        if data.dtype != np.uint8 or data.ndim != 3 or data.shape[2] != 3:
            raise ValueError("frame arrays must be HxWx3 uint8")
        img = Image.fromarray(data)
    else:
        raise TypeError(f"unsupported frame type {type(data).__name__}")
    arr = np.array(img.convert("RGB").resize((image_size, image_size)))
    x = (arr / 255.0).astype(np.float32).transpose(2, 0, 1)
    x = np.ascontiguousarray(x)
    x -= IMG_MEAN
    x /= IMG_STD
    return torch.from_numpy(x)


class FrameSource:
    """What a Session needs from a video: sized, indexable preprocessed frames.

    `__getitem__` returns a float32 (3, image_size, image_size) tensor; sam2 indexes
    `inference_state["images"][frame_idx]`, so an instance stands in for the official
    all-frames tensor.
    """

    num_frames: int
    width: int
    height: int
    image_size: int

    def __len__(self) -> int:
        return self.num_frames

    def __getitem__(self, idx: int) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def prefetch(self, indices: Iterable[int]) -> None:
        """Hint: these frames come next. The default does nothing."""

    def cached_bytes(self) -> int:
        return 0

    def close(self) -> None:
        """Stop background work and drop cached frames."""


class JpegFrameSource(FrameSource):
    """Frames from `loader(i)` (JPEG bytes, a PIL image or an HxWx3 uint8 array), decoded on demand."""

    def __init__(
        self,
        loader: Callable[[int], FrameData],
        num_frames: int,
        width: int,
        height: int,
        image_size: int,
        cache_bytes: int = 256 << 20,
    ) -> None:
        if num_frames <= 0:
            raise ValueError("a video needs at least one frame")
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        self._loader = loader
        self.num_frames = int(num_frames)
        self.width = int(width)
        self.height = int(height)
        self.image_size = int(image_size)
        self.frame_bytes = 3 * self.image_size * self.image_size * 4
        # Always hold at least a couple of frames so read-ahead cannot evict the current one.
        self.capacity = max(2, int(cache_bytes) // self.frame_bytes)
        self._cache: OrderedDict[int, torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[int, threading.Event] = {}
        self._wanted: list[int] = []
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._thread: threading.Thread | None = None
        self.loads = 0  # frames decoded so far (for tests and stats)

    # -- cache ---------------------------------------------------------------------------
    def _check(self, idx: int) -> int:
        idx = int(idx)
        if not 0 <= idx < self.num_frames:
            raise IndexError(f"frame {idx} outside [0, {self.num_frames})")
        return idx

    def __getitem__(self, idx: int) -> torch.Tensor:
        idx = self._check(idx)
        while True:
            with self._lock:
                hit = self._cache.get(idx)
                if hit is not None:
                    self._cache.move_to_end(idx)
                    return hit
                event = self._inflight.get(idx)
                if event is None:
                    event = threading.Event()
                    self._inflight[idx] = event
                    break
            event.wait()  # the read-ahead thread is decoding it right now
        return self._load(idx, event)

    def _load(self, idx: int, event: threading.Event) -> torch.Tensor:
        try:
            tensor = preprocess_frame(self._loader(idx), self.image_size)
            with self._lock:
                self.loads += 1
                self._cache[idx] = tensor
                self._cache.move_to_end(idx)
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
            return tensor
        finally:
            with self._lock:
                self._inflight.pop(idx, None)
            event.set()

    def cached_bytes(self) -> int:
        with self._lock:
            return len(self._cache) * self.frame_bytes

    def cached_indices(self) -> list[int]:
        with self._lock:
            return list(self._cache)

    # -- read-ahead ----------------------------------------------------------------------
    def prefetch(self, indices: Iterable[int]) -> None:
        # Never ask for more than half the cache, or read-ahead would evict itself.
        limit = max(1, self.capacity // 2)
        wanted = [i for i in indices if 0 <= i < self.num_frames][:limit]
        with self._lock:
            if self._closed:
                return
            self._wanted = wanted
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="maskflow-frame-readahead", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed and not self._wanted:
                    self._wake.wait()
                if self._closed:
                    return
                idx = self._wanted.pop(0)
                if idx in self._cache or idx in self._inflight:
                    continue
                event = threading.Event()
                self._inflight[idx] = event
            try:
                self._load(idx, event)
            except Exception:  # a bad frame surfaces when the session itself asks for it
                log.exception("read-ahead of frame %d failed", idx)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._wanted = []
            self._cache.clear()
            self._wake.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
