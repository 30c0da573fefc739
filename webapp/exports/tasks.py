"""Celery tasks (queue `cpu`): thin adapters around the export, import and evaluation
runners, and the storage cleanup. Submitted through webapp.jobs.submit, so embedded mode
runs them in a thread."""
from celery import shared_task


@shared_task(name="exports.run_export")
def run_export(job_id: int) -> str:
    from webapp.exports import retention
    from webapp.exports.exporter import run_export as run
    from webapp.exports.models import ExportJob, JobStatus
    from webapp.storage_cleanup import delete_files, export_dir

    try:
        job = run(job_id)
    except ExportJob.DoesNotExist:
        # Its video or project was deleted meanwhile: drop a zip stored after that delete's
        # own cleanup ran.
        delete_files(dirs=[export_dir(job_id)])
        return "deleted"
    if job.status == JobStatus.DONE:
        retention.prune_kept(job, inline=True)
    return job.status


@shared_task(name="exports.run_import")
def run_import(job_id: int) -> str:
    from webapp.exports.importer import run_import as run
    from webapp.exports.models import ImportJob
    from webapp.storage_cleanup import delete_files, import_dir

    try:
        return run(job_id).status
    except ImportJob.DoesNotExist:
        delete_files(dirs=[import_dir(job_id)])  # its video was deleted meanwhile
        return "deleted"


@shared_task(name="exports.run_evaluation")
def run_evaluation(evaluation_id: int) -> str:
    from webapp.exports.evaluate_job import run_evaluation as run

    return run(evaluation_id).status


@shared_task(name="storage.delete_files")
def delete_files(names: list[str], dirs: list[str]) -> int:
    """Delete stored files and directory trees (webapp.storage_cleanup.delete_on_commit)."""
    from webapp.storage_cleanup import delete_files as run

    return run(names, dirs)
