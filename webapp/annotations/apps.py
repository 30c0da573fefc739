from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.annotations"
    label = "annotations"
    default_auto_field = "django.db.models.BigAutoField"
