"""`manage.py weights MODEL` (`make weights MODEL=...`): download Meta's SAM 2.1 checkpoint
into the SAM2_WEIGHTS_DIR setting (inference.weights does the download; it reads no env)."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Download a SAM 2.1 checkpoint into SAM2_WEIGHTS_DIR."

    def add_arguments(self, parser):
        from inference.config import REAL_MODELS

        parser.add_argument("model", choices=REAL_MODELS)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, model: str, force: bool, **options):
        from inference.weights import download

        path = download(model, Path(settings.SAM2_WEIGHTS_DIR), force)
        self.stdout.write(f"export SAM2_MODEL={model} SAM2_CHECKPOINT={path.resolve()}")
