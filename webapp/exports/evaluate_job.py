"""Run one stored Evaluation row (from the API or `manage.py evaluate`)."""
from __future__ import annotations

import logging
import time

from django.utils import timezone

from webapp.exports.evaluation import SEMI_SUPERVISED, EvaluationError, evaluate, select
from webapp.exports.models import Evaluation, JobStatus

log = logging.getLogger(__name__)


def run_evaluation(evaluation_id: int) -> Evaluation:
    ev = Evaluation.objects.select_related("video").get(pk=evaluation_id)
    if ev.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return ev
    Evaluation.objects.filter(pk=ev.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    state = {"done": 0.0, "last": 0.0}

    def progress(fraction: float) -> None:
        state["done"] += fraction
        now = time.monotonic()
        if now - state["last"] >= 0.5:
            state["last"] = now
            Evaluation.objects.filter(pk=ev.pk).update(progress=min(99.0, 100 * state["done"]))

    try:
        opts = ev.options or {}
        result = evaluate(
            ev.video, select(ev.video, ev.reference), select(ev.video, ev.candidate),
            stride=int(opts.get("stride") or 1), annotated_only=bool(opts.get("annotated_only")),
            pairs=opts.get("pairs"), protocol=opts.get("protocol", SEMI_SUPERVISED),
            progress=progress,
        )
        o = result["overall"]
        Evaluation.objects.filter(pk=ev.pk).update(
            status=JobStatus.DONE, progress=100.0, result=result, j_mean=o["J"]["mean"],
            f_mean=o["F"]["mean"], jf_mean=o["JF"], finished_at=timezone.now(), error="",
        )
    except EvaluationError as e:
        _fail(ev, str(e))
    except Exception as e:
        log.exception("evaluation %s failed", ev.pk)
        _fail(ev, f"internal error: {type(e).__name__}: {e}")
    ev.refresh_from_db()
    return ev


def _fail(ev, message: str) -> None:
    Evaluation.objects.filter(pk=ev.pk).update(
        status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
