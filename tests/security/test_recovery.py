"""Start-up recovery: what a dead process left `processing`, `queued` or `running` is queued
again or failed with a reason (webapp.recovery), in the embedded mode and scaled out, and a
web server killed during a decode leaves no decoder behind."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from webapp import jobs, recovery
from webapp.exports.models import ExportJob
from webapp.videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "submit", lambda task, *args: calls.append((task.name, *args)))
    return calls


def _video(project, **fields):
    return Video.objects.create(project=project, name="v.mp4", status="processing", **fields)


def test_embedded_restart_decodes_interrupted_uploads_again_once(project_with_roles, submitted):
    project, users = project_with_roles
    now = timezone.now()
    started = _video(project, queued_at=now, started_at=now)
    waiting = _video(project, queued_at=now)
    done = Video.objects.create(project=project, name="ok", status="ready")
    running = ExportJob.objects.create(project=project, video=done, format="coco",
                                       status="running", started_at=now)
    queued = ExportJob.objects.create(project=project, video=done, format="coco")

    got = recovery.recover()

    assert got == {"requeued_videos": 2, "failed_videos": 0, "requeued_jobs": 1,
                   "failed_jobs": 1}
    assert sorted(submitted) == sorted([("videos.ingest", started.pk),
                                        ("videos.ingest", waiting.pk),
                                        ("exports.run_export", queued.pk)])
    started.refresh_from_db()
    assert started.status == "processing" and started.warning == recovery.INTERRUPTED
    running.refresh_from_db()
    assert running.status == "failed" and "interrupted by a restart" in running.error

    # Interrupted again while decoding: failed with a reason, not a restart loop.
    Video.objects.filter(pk=started.pk).update(started_at=timezone.now())
    recovery.recover()
    started.refresh_from_db()
    assert started.status == "failed" and "interrupted twice" in started.error


def test_scaled_out_recovery_fails_only_what_ran_past_its_time_limit(
        project_with_roles, submitted, settings):
    settings.SCALED_OUT = True
    settings.INGEST_TIMEOUT_S = 60
    project, users = project_with_roles
    now = timezone.now()
    dead = _video(project, queued_at=now - timedelta(hours=1),
                  started_at=now - timedelta(seconds=200))
    alive = _video(project, queued_at=now, started_at=now)  # another worker decodes it now
    refused = _video(project)  # the broker was down at upload
    recovery.recover()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "interrupted" in dead.error
    assert alive.status == "processing" and alive.started_at is not None
    assert submitted == [("videos.ingest", refused.pk)]


@pytest.mark.stack
@pytest.mark.timeout(300)
def test_a_web_server_killed_during_a_decode_leaves_no_decoder_and_the_video_gets_ready(
        tmp_path):
    from tests.realtime.stack import Stack, services_up

    if os.environ.get("CI") != "true" and not services_up():
        pytest.skip("Postgres not running (CI=true never skips)")
    from webapp.videos.synthetic import write_video

    clip = write_video(tmp_path / "long.mp4", num_frames=500, width=640, height=480)
    s = Stack(tmp_path, embedded=True)
    try:
        s.start()
        r = s.http("POST", f"/api/projects/{s.project_id}/videos/",
                   files={"file": ("long.mp4", clip.read_bytes())})
        assert r.status_code == 201, r.text
        vid = r.json()["id"]
        deadline = time.monotonic() + 60
        while s.http("GET", f"/api/videos/{vid}/").json()["progress"] <= 0:
            assert time.monotonic() < deadline, "the decode did not start"
            time.sleep(0.1)
        server = s.procs[0]
        os.kill(server.pid, signal.SIGKILL)  # the server only, as an OOM killer would
        server.wait(10)
        time.sleep(1.0)
        left = subprocess.run(["pgrep", "-f", "webapp.videos.decode"], capture_output=True,
                              text=True).stdout.split()
        mine = [pid for pid in left
                if str(s.tmp) in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")]
        assert not mine, f"decoder {mine} outlived its server"
        s._spawn(["-m", "uvicorn", "webapp.asgi:application", "--host", "127.0.0.1",
                  "--port", str(s.port), "--ws", "websockets", "--no-access-log"], "server2.log")
        s._wait_http()
        deadline = time.monotonic() + 180
        while True:
            v = s.http("GET", f"/api/videos/{vid}/").json()
            if v["status"] != "processing":
                break
            assert time.monotonic() < deadline, v
            time.sleep(0.5)
        assert v["status"] == "ready" and v["num_frames"] == 500, v
        assert v["warning"] == ""  # the decode finished; the notice was for while it waited
    finally:
        print(s.logs())
        s.stop()


def test_a_started_decode_clears_a_waiting_notice_but_keeps_a_restarts_in_one_update(
        project_with_roles, django_assert_num_queries):
    from webapp.videos.queue import mark_started

    project, _ = project_with_roles
    waited = _video(project, queued_at=timezone.now(), warning="no worker has taken it yet")
    restarted = _video(project, queued_at=timezone.now(), warning=recovery.INTERRUPTED)
    for v in (waited, restarted):
        with django_assert_num_queries(1):
            mark_started(v.pk)
        v.refresh_from_db()
        assert v.started_at is not None
    # The restart's notice stays, so that recovery sees a second interruption.
    assert (waited.warning, restarted.warning) == ("", recovery.INTERRUPTED)
