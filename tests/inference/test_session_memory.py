"""Memory stays bounded over a long video; the raw predictor's grows with every frame."""

import gc

import psutil

from .conftest import make_video

NUM_FRAMES = 620
# Stated bound: RSS growth from frame 100 to the end of a 620-frame propagation.
ENGINE_RSS_GROWTH_BOUND = 8 << 20


def rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def test_long_propagation_keeps_memory_bounded(model, tmp_path):
    video = make_video(tmp_path, NUM_FRAMES, 64, 48, jpeg_dir=False)
    # A small frame cache (40 frames) so that it is full long before frame 100.
    cache = 40 * 3 * 256 * 256 * 4

    engine = video.session(model)
    engine.frames = video.source(256, cache_bytes=cache)
    engine.inference_state["images"] = engine.frames
    engine.add_prompt(1, 0, points=[video.blob(0)], labels=[1])
    at100 = end = None
    count = 0
    for res in engine.propagate():
        count += 1
        if res.frame == 100:
            at100 = rss()
    end = rss()
    engine_growth = end - at100
    stored = engine.stored_frames(1)["non_cond"]
    engine_bytes = engine.memory_bytes()
    engine.close()

    # The same propagation through upstream's propagate_in_video (same lazy frames, so only
    # the per-frame outputs differ).
    raw = video.session(model, trim=False)
    raw.frames = video.source(256, cache_bytes=cache)
    raw.inference_state["images"] = raw.frames
    raw.add_prompt(1, 0, points=[video.blob(0)], labels=[1])
    p = model.predictor
    raw_at100 = None
    for frame, _, _ in p.propagate_in_video(raw.inference_state):
        if frame == 100:
            raw_at100 = rss()
    raw_growth = rss() - raw_at100
    raw_bytes = raw.memory_bytes()

    print(
        f"\nRSS growth frame 100 -> {NUM_FRAMES}: engine {engine_growth / 2**20:.1f} MiB "
        f"(state {engine_bytes / 2**20:.1f} MiB, {len(stored)} non-cond frames kept), "
        f"raw predictor {raw_growth / 2**20:.1f} MiB (state {raw_bytes / 2**20:.1f} MiB)"
    )
    assert count == NUM_FRAMES
    assert len(stored) <= 2 * engine.window + 1
    assert engine_growth < ENGINE_RSS_GROWTH_BOUND
    assert raw_bytes > engine_bytes + 10 * 2**20  # the contrast is real


def test_repeated_propagations_do_not_accumulate_outputs(model, tmp_path):
    video = make_video(tmp_path, 200, 64, 48, jpeg_dir=False)
    s = video.session(model)
    s.add_prompt(1, 0, points=[video.blob(0)], labels=[1])
    w = s.window
    for start in (0, 50, 100, 150):
        frames = [r.frame for r in s.propagate(start_frame=start, max_frames=20)]
        assert frames == list(range(start, start + 20))
        stored = s.stored_frames(1)["non_cond"]
        assert len(stored) <= 3 * w + 1, (start, stored)
    # Leftovers of the pass from 50 went when the pass from 100 started.
    assert not [t for t in stored if 50 < t < 100]
    assert stored[-1] == 169
