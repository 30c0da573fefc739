import os
import subprocess
import sys
from pathlib import Path

import torch

from inference.threads import configure_torch_threads, recommended_threads

ROOT = Path(__file__).resolve().parents[2]


def test_inference_imports_no_django():
    code = (
        "import sys, inference, inference.session, inference.store, inference.frames, "
        "inference.model, inference.rle, inference.threads, inference.weights\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'channels', 'celery', 'webapp'))\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_thread_count_helper(monkeypatch):
    before = torch.get_num_threads()
    try:
        # The engine reads no environment: the count comes from its caller (settings).
        monkeypatch.setenv("SAM2_TORCH_THREADS", "3")
        assert recommended_threads(off_main_thread=True) == 1
        assert recommended_threads(off_main_thread=False) == max(1, len(os.sched_getaffinity(0)) // 2)
        assert configure_torch_threads(3) == 3
        assert torch.get_num_threads() == 3
        assert configure_torch_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
