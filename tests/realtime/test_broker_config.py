"""Every process uses REDIS_URL's broker, and refuses to start when Celery would use another."""
import os
import subprocess
import sys

from django.conf import settings

PROBE = ("import django; django.setup(); "
         "from webapp.videos.ingest import ingest_task; from webapp.exports.tasks import run_export; "
         "print(ingest_task.app.conf.broker_url, run_export.app.conf.broker_url)")


def _run(args, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_URL"))}
    full.update(DJANGO_SETTINGS_MODULE="webapp.settings", **env)
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=full,
                          capture_output=True, text=True, timeout=120)


def test_shared_tasks_use_the_redis_broker_from_the_first_import():
    url = "redis://127.0.0.1:6379/5"
    out = _run(["-c", PROBE], REDIS_URL=url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [url, url]


def test_a_process_whose_celery_broker_differs_from_redis_url_refuses_to_start():
    out = _run(["manage.py", "check"], REDIS_URL="redis://127.0.0.1:6379/5",
               CELERY_BROKER_URL="amqp://guest:guest@localhost:5672//")
    assert out.returncode != 0
    assert "would use broker amqp://guest:**@localhost:5672//" in out.stderr, out.stderr[-2000:]
    assert "REDIS_URL" in out.stderr
    worker = _run(["-m", "webapp.realtime.worker", "--queues", "cpu"],
                  REDIS_URL="redis://127.0.0.1:6379/5", CELERY_BROKER_URL="redis://elsewhere:6379/0")
    assert worker.returncode != 0 and "would use broker redis://elsewhere:6379/0" in worker.stderr


def test_the_embedded_default_refuses_a_stray_celery_broker():
    out = _run(["manage.py", "check"], CELERY_BROKER_URL="amqp://localhost//")
    assert out.returncode != 0 and "set REDIS_URL to scale out" in out.stderr
    assert _run(["manage.py", "check"]).returncode == 0
