from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.realtime"
    label = "realtime"
    default_auto_field = "django.db.models.BigAutoField"
