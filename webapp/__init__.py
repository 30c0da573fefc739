"""Maskflow's Django project.

The Celery app is loaded with the package (Django's convention), so every process that
imports Django settings (web servers, workers, management commands) queues jobs through the
configured broker from its first request, never through Celery's default AMQP app."""
from webapp.celery import app as celery_app

__all__ = ("celery_app",)
