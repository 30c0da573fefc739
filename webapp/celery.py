"""The Celery app. Queues: `cpu` (ingest, export) and `inference` plus one
`inference.<worker>` queue per worker for sticky SAM 2 sessions (see webapp.realtime).

Imported by `webapp/__init__.py`, so `shared_task`s always bind to this app and its broker."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("maskflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class BrokerMismatch(RuntimeError):
    pass


def _redacted(url: str) -> str:
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url or "") or "(unset)"


def check_broker() -> None:
    """Refuse to run a process whose Celery broker is not `REDIS_URL` (scaled out) or the
    in-process `memory://` (embedded). Celery reads `CELERY_BROKER_URL` from the environment
    ahead of the settings, so a stray variable would send jobs where no worker listens."""
    from celery import current_app
    from django.conf import settings

    want = settings.REDIS_URL or "memory://"
    for which, celery_app in (("the Maskflow Celery app", app), ("the default Celery app",
                                                                 current_app)):
        got = celery_app.conf.broker_url
        if got != want:
            hint = ("set REDIS_URL to the Redis every server and worker shares"
                    if settings.REDIS_URL else "set REDIS_URL to scale out")
            raise BrokerMismatch(
                f"{which} would use broker {_redacted(got)}, but Maskflow's broker is "
                f"{_redacted(want)} (REDIS_URL). Unset CELERY_BROKER_URL and {hint}.")
