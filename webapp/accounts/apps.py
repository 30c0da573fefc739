from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from webapp.accounts import checks  # noqa: F401  (registers the deploy checks)
