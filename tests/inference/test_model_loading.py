import logging
import warnings

import numpy as np
import pytest
import torch
from hydra.core.global_hydra import GlobalHydra

from inference import EngineConfig, load_model
from inference.model import has_sam2_extension


def test_random_tiny_is_the_documented_1_35m_parameter_model(model):
    n = sum(p.numel() for p in model.predictor.parameters())
    assert 1_340_000 < n < 1_360_000
    assert model.info.name == "random-tiny"
    assert model.info.random_weights is True
    assert model.info.image_size == 256
    assert model.info.device == "cpu"
    assert type(model.predictor).__name__ == "SAM2VideoPredictor"


def test_random_tiny_builds_the_same_weights_every_time_even_after_hydra_is_cleared(model):
    GlobalHydra.instance().clear()  # e.g. another library reset Hydra after `import sam2`
    again = load_model(EngineConfig(model="random-tiny"))
    a, b = model.predictor.state_dict(), again.predictor.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_meta_checkpoint_format_loads_back(tmp_path):
    cfg = EngineConfig(model="sam2.1_hiera_tiny", device="cpu")
    with pytest.warns(UserWarning, match="random weights"):
        first = load_model(cfg)
    sd = first.predictor.state_dict()
    with torch.no_grad():
        for t in sd.values():
            if t.is_floating_point():
                t.copy_(torch.randn_like(t))
    path = tmp_path / "sam2.1_hiera_tiny.pt"
    torch.save({"model": sd}, path)  # the layout of Meta's published .pt files
    del first
    loaded = load_model(EngineConfig(model="sam2.1_hiera_tiny", checkpoint=str(path), device="cpu"))
    assert loaded.info.random_weights is False
    assert loaded.info.checkpoint == str(path)
    assert loaded.info.image_size == 1024
    got = loaded.predictor.state_dict()
    assert all(torch.equal(got[k], sd[k]) for k in sd)


def test_real_model_without_checkpoint_warns_loudly(caplog):
    with caplog.at_level(logging.WARNING, logger="inference.model"):
        with pytest.warns(UserWarning):
            m = load_model(EngineConfig(model="sam2.1_hiera_tiny", device="cpu"))
    assert m.info.random_weights is True
    assert "RANDOM WEIGHTS" in caplog.text


def test_config_rejects_unknown_models_and_bad_values():
    cfg = EngineConfig(model="sam2.1_hiera_large", checkpoint="/w/l.pt", device="cpu",
                       torch_threads=2)
    assert (cfg.model, cfg.checkpoint, cfg.device, cfg.torch_threads) == (
        "sam2.1_hiera_large", "/w/l.pt", "cpu", 2)
    assert EngineConfig().model == "random-tiny" and EngineConfig().torch_threads is None
    assert not hasattr(EngineConfig, "from_env")  # settings are the one source
    with pytest.raises(ValueError, match="unknown SAM2_MODEL"):
        EngineConfig(model="sam3")
    with pytest.raises(ValueError):
        EngineConfig(model="random-tiny", checkpoint="/x.pt")
    with pytest.raises(ValueError, match="torch_threads"):
        EngineConfig(torch_threads=0)


def test_clicks_do_not_warn_about_the_missing_extension(model, clip):
    if has_sam2_extension():
        pytest.skip("sam2 _C extension is built here")
    assert model.predictor.fill_hole_area == 0
    session = clip.session(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
        session.add_prompt(1, 0, points=[[5.0, 5.0]], labels=[0])
    assert [str(w.message) for w in caught] == []


def test_reverse_tracking_runs_on_cpu_with_bf16_memories(model, clip):
    """Upstream issue #308: bf16 memories met fp32 weights when tracking backwards on CPU."""
    session = clip.session(model)
    session.add_prompt(1, 10, points=[clip.blob(10)], labels=[1])
    # Backward from after the prompt: no object pointer lies "in the past", so the memory
    # is pure bf16 — the case that crashes upstream on CPU.
    frames = [r.frame for r in session.propagate(start_frame=30, direction="backward")]
    assert frames == list(range(30, -1, -1))
    out = session.inference_state["output_dict_per_obj"][0]["non_cond_frame_outputs"][20]
    assert out["maskmem_features"].dtype == torch.bfloat16
    assert np.isfinite(session.masks_on(20).masks[0].score)


def test_weights_script_points_at_meta_urls():
    from inference.weights import checkpoint_url

    assert (
        checkpoint_url("sam2.1_hiera_base_plus")
        == "https://dl.fbaipublicfiles.com/segment_anything_2/092824/sam2.1_hiera_base_plus.pt"
    )
    with pytest.raises(ValueError):
        checkpoint_url("random-tiny")
