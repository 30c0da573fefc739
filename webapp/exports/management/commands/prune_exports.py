"""manage.py prune_exports [--orphans] [--dry-run]: delete export zips past
EXPORT_RETENTION_HOURS (their rows stay, marked expired). Run it hourly (cron, a Kubernetes
CronJob); creating an export also prunes its own project's expired zips.

--orphans also sweeps stored files that no row owns: frames, export zips and import uploads
of deleted rows, and uploads older than an hour that no video references (left by a crash,
a failed deletion, or a Maskflow version that never deleted files).
"""
from django.core.management.base import BaseCommand

from webapp.exports import retention
from webapp.storage_cleanup import sweep_orphans


class Command(BaseCommand):
    help = "Delete export zips past EXPORT_RETENTION_HOURS (and, with --orphans, unowned files)."

    def add_arguments(self, parser):
        parser.add_argument("--orphans", action="store_true",
                            help="also delete stored files that no video, export or import owns")
        parser.add_argument("--min-age", type=int, default=3600,
                            help="--orphans keeps unreferenced uploads younger than this (s)")
        parser.add_argument("--dry-run", action="store_true",
                            help="count what would be deleted, delete nothing")

    def handle(self, *args, orphans=False, min_age=3600, dry_run=False, **options):
        if dry_run:
            n = retention.past_retention().count()
            self.stdout.write(f"{n} expired exports would be pruned")
        else:
            n = retention.prune_expired(inline=True)
            self.stdout.write(f"pruned {n} expired exports")
        if orphans:
            report = sweep_orphans(min_age_s=min_age, dry_run=dry_run)
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"orphans: {verb} " + ", ".join(
                f"{v} {k} files" for k, v in report.items()))
