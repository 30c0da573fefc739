"""Guard rails: the import-layer contracts in pyproject.toml ([tool.importlinter]) hold, and
hand-written modules stay within the size budget."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 450  # hand-written Python modules; generated files and migrations aside
# The wire protocol stays one file by design (every message model, the schema and docs
# renderer in one place: STYLE.md, "tldraw sync"), with a budget of its own.
BUDGET = {"protocol.py": 600}


def test_imports_flow_one_way():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_realtime_modules_stay_small():
    big = {str(p.relative_to(ROOT)): n for p in (ROOT / "webapp" / "realtime").glob("*.py")
           if (n := len(p.read_text().splitlines())) > BUDGET.get(p.name, MAX_LINES)}
    assert not big, f"over {MAX_LINES} lines: {big}"
