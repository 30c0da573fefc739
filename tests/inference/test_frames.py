import io
import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image
from sam2.utils.misc import load_video_frames

from inference import JpegFrameSource, preprocess_frame
from inference.synthetic import encode_jpeg, synthetic_frame


def test_preprocessing_is_bit_identical_to_sam2_loader(clip):
    images, h, w = load_video_frames(
        str(clip.jpeg_dir), image_size=256, offload_video_to_cpu=True, compute_device="cpu"
    )
    src = clip.source(256)
    assert (h, w) == (clip.height, clip.width)
    for i in (0, 7, clip.num_frames - 1):
        assert src[i].dtype == torch.float32
        assert torch.equal(src[i], images[i])


def test_bytes_pil_and_array_inputs_preprocess_alike():
    frame = synthetic_frame(3, 80, 60)
    data = encode_jpeg(frame)
    decoded = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
    a = preprocess_frame(data, 64)
    assert a.shape == (3, 64, 64)
    assert torch.equal(a, preprocess_frame(Image.open(io.BytesIO(data)), 64))
    assert torch.equal(a, preprocess_frame(decoded, 64))


def test_lru_keeps_within_its_byte_budget():
    frame_bytes = 3 * 32 * 32 * 4
    calls = []

    def loader(i):
        calls.append(i)
        return synthetic_frame(i, 40, 30)

    src = JpegFrameSource(loader, 50, 40, 30, 32, cache_bytes=5 * frame_bytes)
    for i in range(20):
        src[i]
    assert src.cached_bytes() <= 5 * frame_bytes
    assert src.cached_indices() == [15, 16, 17, 18, 19]
    src[19]
    assert calls.count(19) == 1  # a hit does not decode again
    src[0]
    assert calls.count(0) == 2  # evicted earlier, decoded again


def test_out_of_range_frame_raises_index_error():
    src = JpegFrameSource(lambda i: synthetic_frame(i, 40, 30), 5, 40, 30, 32)
    with pytest.raises(IndexError):
        src[5]


def test_read_ahead_decodes_hinted_frames_in_the_background():
    main = threading.get_ident()
    threads = set()

    def loader(i):
        threads.add(threading.get_ident())
        return synthetic_frame(i, 40, 30)

    src = JpegFrameSource(loader, 30, 40, 30, 32)
    src.prefetch([3, 4, 5])
    deadline = time.monotonic() + 10
    while len(src.cached_indices()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(src.cached_indices()) == [3, 4, 5]
    assert main not in threads
    before = src.loads
    src[4]
    assert src.loads == before
    src.close()
