"""The Celery app. Queues: `cpu` (ingest, export) and `inference` plus one
`inference.<worker>` queue per worker for sticky SAM 2 sessions (see webapp.realtime)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("maskflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
