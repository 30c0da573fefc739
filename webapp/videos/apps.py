from django.apps import AppConfig


class Config(AppConfig):
    name = "webapp.videos"
    label = "videos"
    default_auto_field = "django.db.models.BigAutoField"
