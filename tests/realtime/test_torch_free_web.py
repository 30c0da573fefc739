"""A scaled-out web server never loads torch: every webapp module imports without it (the
live stack tests check the running server's memory maps after uploads, clicks and exports)."""
import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = r"""
import importlib, pkgutil, sys
import django
django.setup()
import webapp, webapp.asgi
from django.urls import get_resolver
get_resolver().url_patterns
skipped = []
for mod in pkgutil.walk_packages(webapp.__path__, "webapp."):
    if ".migrations" in mod.name or mod.name.endswith("__main__"):
        continue
    importlib.import_module(mod.name)
from inference import decode_rle, encode_mask  # the mask module the web side uses
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
print("TORCH", len(loaded), loaded[:3])
"""


def test_no_webapp_module_imports_torch_in_a_scaled_out_web_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(DJANGO_SETTINGS_MODULE="webapp.settings", REDIS_URL="redis://127.0.0.1:6379/5",
               MASKFLOW_VAR_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "TORCH 0 []" in out.stdout, out.stdout


def test_the_engine_config_comes_from_settings(settings):
    from webapp.realtime.runner import engine_config

    settings.SAM2_MODEL, settings.SAM2_CHECKPOINT = "sam2.1_hiera_tiny", "/models/t.pt"
    settings.SAM2_DEVICE, settings.SAM2_COMPILE = "cpu", True
    settings.SAM2_TORCH_THREADS = 3
    cfg = engine_config()
    assert (cfg.model, cfg.checkpoint, cfg.device, cfg.compile, cfg.torch_threads) == (
        "sam2.1_hiera_tiny", "/models/t.pt", "cpu", True, 3)
    settings.SAM2_TORCH_THREADS = 0  # automatic: the engine picks by thread
    assert engine_config().torch_threads is None


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_bad_torch_thread_count_fails_settings_loudly(tmp_path, value):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="webapp.settings", SAM2_TORCH_THREADS=value,
               MASKFLOW_VAR_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                         cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0 and "SAM2_TORCH_THREADS" in out.stderr, out.stderr[-2000:]


def test_make_weights_downloads_into_the_settings_directory(settings, tmp_path, monkeypatch):
    from django.core.management import call_command

    from inference import weights

    seen = {}

    def fake_download(model, dest_dir, force=False):
        seen.update(model=model, dest_dir=dest_dir)
        return dest_dir / f"{model}.pt"

    monkeypatch.setattr(weights, "download", fake_download)
    settings.SAM2_WEIGHTS_DIR = str(tmp_path / "w")
    call_command("weights", "sam2.1_hiera_tiny")
    assert seen == {"model": "sam2.1_hiera_tiny", "dest_dir": tmp_path / "w"}
