"""Celery tasks (queue `cpu`): thin adapters around the export, import and evaluation
runners. Submitted through webapp.jobs.submit, so embedded mode runs them in a thread."""
from celery import shared_task


@shared_task(name="exports.run_export")
def run_export(job_id: int) -> str:
    from webapp.exports.exporter import run_export as run

    return run(job_id).status


@shared_task(name="exports.run_import")
def run_import(job_id: int) -> str:
    from webapp.exports.importer import run_import as run

    return run(job_id).status


@shared_task(name="exports.run_evaluation")
def run_evaluation(evaluation_id: int) -> str:
    from webapp.exports.evaluate_job import run_evaluation as run

    return run(evaluation_id).status
