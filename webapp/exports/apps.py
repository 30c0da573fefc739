from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.exports"
    label = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Files of deleted videos, exports and imports go with their rows (issue 12).
        from webapp import storage_cleanup

        storage_cleanup.connect()
