"""Run one stored Evaluation row (from the API or `manage.py evaluate`)."""
from __future__ import annotations

from webapp.exports.evaluation import SEMI_SUPERVISED, EvaluationError, evaluate, select
from webapp.exports.models import Evaluation


def run_evaluation(evaluation_id: int) -> Evaluation:
    ev = Evaluation.objects.select_related("video").get(pk=evaluation_id)

    def work() -> dict:
        opts = ev.options or {}
        result = evaluate(
            ev.video, select(ev.video, ev.reference), select(ev.video, ev.candidate),
            stride=int(opts.get("stride") or 1), annotated_only=bool(opts.get("annotated_only")),
            pairs=opts.get("pairs"), protocol=opts.get("protocol", SEMI_SUPERVISED),
            progress=ev.progress_reporter(),
        )
        o = result["overall"]
        return {"result": result, "j_mean": o["J"]["mean"], "f_mean": o["F"]["mean"],
                "jf_mean": o["JF"]}

    return ev.run(work, expected=(EvaluationError,))
