"""kill -9 of the CPU worker during an ingest and during an export (private Redis and Postgres):
the decode is retried and the export failed with a reason, by the next CPU worker's sweep
(webapp.recovery.sweep, webapp.job_leases), never left `processing`/`running`. Recovery times
are printed (and recorded in bench/RESULTS.md). The cluster is tests/ops/conftest.py's."""
from __future__ import annotations

import os
import signal
import time

import pytest

from tests.ops.services import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300)]

def _kill_cpu_worker_and_start_another(s) -> float:
    os.kill(s.cpu_workers[-1].pid, signal.SIGKILL)  # the worker only, as an OOM killer would
    s.cpu_workers[-1].wait(10)
    t = time.perf_counter()
    s.add_cpu_worker()  # as a supervisor (systemd, Kubernetes) restarts it
    return t


def test_cpu_worker_killed_during_an_ingest_the_decode_is_retried(ops_cluster, tmp_path):
    from webapp.videos.synthetic import write_video

    s = ops_cluster.stack
    clip = write_video(tmp_path / "long.mp4", num_frames=200, width=640, height=480)
    r = s.http("POST", f"/api/projects/{s.project_id}/videos/",
               files={"file": ("long.mp4", clip.read_bytes())})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    wait_until(lambda: s.http("GET", f"/api/videos/{vid}/").json()["progress"] > 0, 60,
               "the decode started", every=0.05)
    t_kill = _kill_cpu_worker_and_start_another(s)
    retried = wait_until(lambda: (lambda v: v if v["warning"] or v["status"] != "processing"
                                  else None)(s.http("GET", f"/api/videos/{vid}/").json()),
                         60, "the decode noticed as interrupted")
    t_retry = time.perf_counter() - t_kill
    assert retried["status"] == "processing" and "interrupted" in retried["warning"], retried
    v = wait_until(lambda: (lambda v: v if v["status"] != "processing" else None)(
        s.http("GET", f"/api/videos/{vid}/").json()), 120, "the decode again")
    t_ready = time.perf_counter() - t_kill
    assert v["status"] == "ready" and v["num_frames"] == 200, v
    print(f"RECOVERY cpu-kill ingest: requeued {t_retry:.1f} s, ready {t_ready:.1f} s "
          "after kill -9")


def test_cpu_worker_killed_during_an_export_the_job_fails_with_a_reason(ops_cluster):
    s = ops_cluster.stack
    vid = s.video_ids["big"]
    r = s.http("POST", f"/api/videos/{vid}/exports/", json={"format": "davis"})
    assert r.status_code == 201, r.text
    jid = r.json()["id"]
    job = wait_until(lambda: (lambda j: j if j["status"] != "queued" else None)(
        s.http("GET", f"/api/exports/{jid}/").json()), 60, "the export started", every=0.02)
    assert job["status"] == "running", f"the export was over before the kill: {job}"
    t_kill = _kill_cpu_worker_and_start_another(s)
    job = wait_until(lambda: (lambda j: j if j["status"] != "running" else None)(
        s.http("GET", f"/api/exports/{jid}/").json()), 60, "the export marked")
    took = time.perf_counter() - t_kill
    assert job["status"] == "failed", job
    assert "worker" in job["error"] and "start it again" in job["error"], job
    # The new worker is not broken: the same export started again completes.
    r = s.http("POST", f"/api/videos/{vid}/exports/", json={"format": "coco"})
    assert r.status_code == 201, r.text
    done = wait_until(lambda: (lambda j: j if j["status"] in ("done", "failed") else None)(
        s.http("GET", f"/api/exports/{r.json()['id']}/").json()), 120, "a new export")
    assert done["status"] == "done", done
    print(f"RECOVERY cpu-kill export: failed with a reason {took:.1f} s after kill -9")
