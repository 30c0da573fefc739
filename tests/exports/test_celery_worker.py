"""Scaled out: an export, an import and an evaluation run as Celery tasks in a separate
`cpu` worker process against the same Postgres and media storage."""
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import wait_for
from tests.exports.conftest import export_zip
from tests.exports.test_roundtrip import zip_bytes
from webapp.exports.models import Evaluation, ExportJob, ImportJob

REDIS = os.environ.get("MASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def cpu_worker(tmp_path):
    # CI=true never skips: there the missing service is a failure.
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if connection.vendor != "postgresql":
        missing("a separate worker process needs a shared database server (Postgres)")
    if not _redis_up():
        missing("Redis is not reachable")
    queue = f"cpu-test-{uuid.uuid4().hex[:8]}"  # private, so no other worker takes our jobs
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "MASKFLOW_VAR_DIR": str(tmp_path / "var"),
           "LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "webapp.realtime.worker", "--queues", queue],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=settings.BASE_DIR)
    from celery import Celery

    client = Celery(broker=REDIS)
    try:
        yield lambda name, *args: client.send_task(name, args=args, queue=queue)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_jobs_run_on_a_separate_celery_cpu_worker(scene, make_video, cpu_worker):
    video, objs = scene
    job = ExportJob.objects.create(project=video.project, video=video, format="coco",
                                   options={"include_frames": False})
    cpu_worker("exports.run_export", job.pk)
    done = wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status__in=["done", "failed"])
                    .first(), timeout=90)
    assert done.status == "done", done.error
    assert done.size_bytes > 0

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    target = make_video(name="copy.mp4")
    imp = ImportJob.objects.create(project=target.project, video=target, format="coco",
                                   filename="a.zip")
    imp.upload = default_storage.save(f"imports/{imp.pk}/a.zip", ContentFile(
        zip_bytes(export_zip(video, "coco", include_frames=False))))
    imp.save()
    cpu_worker("exports.run_import", imp.pk)
    imp = wait_for(lambda: ImportJob.objects.filter(pk=imp.pk, status__in=["done", "failed"])
                   .first(), timeout=60)
    assert imp.status == "done", imp.error
    assert imp.result["masks"] == 18

    ev = Evaluation.objects.create(video=target, reference={"import": imp.pk},
                                   candidate={"objects": []})
    cpu_worker("exports.run_evaluation", ev.pk)
    ev = wait_for(lambda: Evaluation.objects.filter(pk=ev.pk, status__in=["done", "failed"])
                  .first(), timeout=60)
    assert ev.status == "done", ev.error
    assert ev.result["overall"]["objects"] == 3
