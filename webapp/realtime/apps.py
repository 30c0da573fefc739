from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.realtime"
    label = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every Django process (web, workers, manage.py) stops here, before its first job,
        # if its jobs would go to another broker than REDIS_URL's.
        from webapp.celery import check_broker

        check_broker()

        from webapp.realtime import revocation

        revocation.connect()
