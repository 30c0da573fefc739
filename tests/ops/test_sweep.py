"""The scaled-out sweep (webapp.recovery.sweep) on its own: what a CPU worker killed with -9
left `processing`/`running` is retried or failed once its job lease is gone on two sweeps.
(The start-up pass is in tests/security/test_recovery.py; the live kill -9 in
test_cpu_worker_kill.py.)"""
from __future__ import annotations

import pytest
from django.utils import timezone

from tests.security.test_recovery import _video, submitted  # noqa: F401  (submitted: a fixture)
from webapp import recovery
from webapp.exports.models import ExportJob
from webapp.videos.models import Video

pytestmark = pytest.mark.django_db


def test_sweep_retries_or_fails_only_what_lost_its_lease_on_two_sweeps(
        project_with_roles, submitted, settings, monkeypatch):
    """Scaled out, a CPU worker killed with -9 leaves rows `processing`/`running` whose job
    lease (webapp.job_leases) expired: the second sweep that finds them retries the decode
    (once) and fails the job with a reason; what a live worker holds is left alone."""
    from webapp import job_leases

    settings.SCALED_OUT = True
    project, users = project_with_roles
    now = timezone.now()
    dead_decode = _video(project, queued_at=now, started_at=now)
    live_decode = _video(project, queued_at=now, started_at=now)
    done = Video.objects.create(project=project, name="ok", status="ready")
    dead_job = ExportJob.objects.create(project=project, video=done, format="coco",
                                        status="running", started_at=now)
    live_job = ExportJob.objects.create(project=project, video=done, format="coco",
                                        status="running", started_at=now)
    alive = {("video", live_decode.pk), ("export", live_job.pk)}
    monkeypatch.setattr(job_leases, "held",
                        lambda kind, pks: {pk for pk in pks if (kind, pk) in alive})

    counts, suspects = recovery.sweep(set())  # first look: only suspects
    assert not any(counts.values())
    assert suspects == {("video", dead_decode.pk), ("export", dead_job.pk)}
    counts, suspects = recovery.sweep(suspects)
    assert counts == {"requeued_videos": 1, "failed_videos": 0, "failed_jobs": 1}
    assert submitted == [("videos.ingest", dead_decode.pk)]
    dead_decode.refresh_from_db()
    assert dead_decode.status == "processing" and dead_decode.warning == recovery.INTERRUPTED
    assert dead_decode.started_at is None
    dead_job.refresh_from_db()
    assert dead_job.status == "failed" and dead_job.error == recovery.WORKER_DIED
    for row in (live_decode, live_job):
        row.refresh_from_db()
        assert row.status in ("processing", "running")

    # A lease lost for one look only (a Redis restart) fails nothing.
    alive.discard(("export", live_job.pk))
    counts, suspects = recovery.sweep(set())
    alive.add(("export", live_job.pk))
    assert not any(recovery.sweep(suspects)[0].values())

    # Interrupted again while decoding: failed with a reason, not a retry loop.
    Video.objects.filter(pk=dead_decode.pk).update(started_at=timezone.now())
    _, suspects = recovery.sweep(set())
    counts, _ = recovery.sweep(suspects)
    dead_decode.refresh_from_db()
    assert counts["failed_videos"] == 1
    assert dead_decode.status == "failed" and "interrupted twice" in dead_decode.error
