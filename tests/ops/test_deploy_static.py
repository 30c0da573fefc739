"""deploy/ checked without a container engine (none runs here: see docs/operations.md): the
compose file and the Helm chart parse and render (the chart with Helm's own binary too), every
command they run exists with the flags they pass, every environment variable they set is one
Maskflow reads (and is listed in deploy/.env.example), and the Grafana dashboard only queries
metrics that exist."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ops.gotemplate import TemplateError, render

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Read by images and services other than Maskflow's own code.
FOREIGN = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "MINIO_ROOT_USER",
           "MINIO_ROOT_PASSWORD", "U", "P", "B"}


def read_env_names() -> set[str]:
    """Every variable the code reads: env()/envint()/... in settings and os.environ lookups."""
    names: set[str] = set()
    pat = re.compile(r"""(?:\benv(?:bool|int|float|list)?\(|os\.environ(?:\.get\(|\[)|"""
                     r"""os\.getenv\(|setdefault\()\s*["']([A-Z][A-Z0-9_]+)["']""")
    for py in list((ROOT / "webapp").rglob("*.py")) + list((ROOT / "inference").rglob("*.py")):
        names |= set(pat.findall(py.read_text()))
    return names


def example_names() -> set[str]:
    text = (DEPLOY / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))


@pytest.fixture(scope="module")
def worker_flags() -> set[str]:
    out = subprocess.run([sys.executable, "-m", "webapp.realtime.worker", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return set(re.findall(r"(--[a-z-]+)", out.stdout))


def check_command(cmd: list[str], flags: set[str]) -> None:
    assert cmd[:3] == ["python", "-m", "webapp.realtime.worker"], cmd
    for arg in cmd[3:]:
        if arg.startswith("--"):
            assert arg in flags, f"{arg} is not a flag of webapp.realtime.worker"


def test_compose_parses_and_uses_only_real_commands_and_settings(worker_flags):
    doc = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = doc["services"]
    assert {"web", "inference", "cpu-worker", "postgres", "redis", "minio"} <= set(services)
    known, listed = read_env_names(), example_names()
    for name, svc in services.items():
        for var in svc.get("environment") or {}:
            assert var in known | FOREIGN, f"{name}: {var} is read by nothing"
            if var not in FOREIGN:
                assert var in listed, f"{var} is missing from deploy/.env.example"
        if "build" in svc and "command" in svc:
            check_command(svc["command"], worker_flags)
        for dep in svc.get("depends_on") or {}:
            assert dep in services, f"{name} depends on unknown {dep}"
    assert services["web"]["environment"]["S3_BUCKET"]  # MinIO storage by default
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    prom = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    targets = {t for job in prom["scrape_configs"] for sc in job["static_configs"]
               for t in sc["targets"]}
    assert {"web:8000", "inference:9100", "cpu-worker:9100"} <= targets


def test_the_dockerfile_runs_what_exists():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "webapp.asgi:application" in text and (ROOT / "webapp" / "asgi.py").exists()
    assert '-e ".[s3]"' in text  # django-storages in the image
    for var in re.findall(r"ENV ([A-Z_]+)=", text) + re.findall(r" ([A-Z_]+)=\S", text):
        assert var in read_env_names() | {"PORT", "SAM2_BUILD_CUDA"}, var


def _render(values: dict) -> list[dict]:
    chart = DEPLOY / "helm" / "maskflow"
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert meta["apiVersion"] == "v2" and meta["name"] == "maskflow"
    docs = []
    for tpl in sorted((chart / "templates").glob("*.yaml")):
        text = render(tpl.read_text(), {"Values": values, "Release": {"Name": "mf"},
                                        "Chart": meta})
        docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def test_the_helm_chart_renders_to_valid_objects(worker_flags):
    values = yaml.safe_load((DEPLOY / "helm" / "maskflow" / "values.yaml").read_text())
    docs = _render(values)
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == [("Deployment", "mf-cpu-worker"), ("Deployment", "mf-inference"),
                     ("Deployment", "mf-web"), ("Service", "mf-web")]
    known, listed = read_env_names(), example_names()
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        pod = d["spec"]["template"]
        assert d["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]
        (c,) = pod["spec"]["containers"]
        for e in c["env"]:
            assert e["name"] in known and e["name"] in listed, e["name"]
        if "command" in c:
            check_command(c["command"], worker_flags)
            assert c["ports"][0]["containerPort"] == values["metricsPort"]
        else:
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
        assert not any(e["name"] == "S3_BUCKET" for e in c["env"])  # off by default
    values["s3"]["bucket"], values["s3"]["endpointUrl"] = "frames", "http://minio:9000"
    web = next(d for d in _render(values) if d["metadata"]["name"] == "mf-web")
    env = {e["name"]: e for e in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["S3_BUCKET"]["value"] == "frames"
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "maskflow-s3"


def _helm() -> str:
    """The `helm` binary: the helm-binary package's, installed with the test extras."""
    found = shutil.which("helm", path=str(Path(sys.executable).parent)) or shutil.which("helm")
    assert found, "helm not found: `make setup` installs it (helm-binary, in the test extras)"
    return found


def test_helm_itself_lints_the_chart_and_renders_what_the_checks_above_read():
    """Helm's own renderer, not only ours: `helm lint --strict` passes, and `helm template`
    gives the same objects as tests/ops/gotemplate.py, with the defaults and with S3 set."""
    chart = DEPLOY / "helm" / "maskflow"
    lint = subprocess.run([_helm(), "lint", "--strict", str(chart)], capture_output=True,
                          text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    values = yaml.safe_load((chart / "values.yaml").read_text())
    for extra in ([], ["--set", "s3.bucket=frames", "--set", "s3.endpointUrl=http://minio:9000"]):
        out = subprocess.run([_helm(), "template", "mf", str(chart), *extra],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        theirs = [d for d in yaml.safe_load_all(out.stdout) if d]
        if extra:
            values["s3"]["bucket"], values["s3"]["endpointUrl"] = "frames", "http://minio:9000"
        key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
        assert sorted(theirs, key=key) == sorted(_render(values), key=key)


def test_the_template_renderer_refuses_what_it_does_not_know():
    with pytest.raises(TemplateError):
        render("{{ include \"x\" . }}", {})
    with pytest.raises(TemplateError):
        render("{{ .Values.nope }}", {"Values": {}})
    assert render("{{- range $k, $v := dict \"b\" 2 \"a\" 1 }}{{ $k }}={{ $v }} {{ end -}}",
                  {}) == "a=1 b=2 "


def test_the_grafana_dashboard_queries_metrics_that_exist():
    from webapp.ops import metrics  # noqa: F401 (registers the process metrics)

    dash = json.loads((DEPLOY / "grafana" / "maskflow.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = {re.sub(r"_(bucket|sum|count|total)$", "", m)
            for e in exprs for m in re.findall(r"\b(maskflow_[a-z_]+)", e)}
    code = "".join(p.read_text() for p in (ROOT / "webapp" / "ops").glob("*.py"))
    for name in used:
        assert f'"{name}' in code, f"the dashboard queries {name}, which nothing exports"
