"""Deploy checks: `manage.py check --deploy` fails while the built-in development SECRET_KEY is in use."""
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is not set: the built-in development key is in use.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random string.",
                id="maskflow.E001",
            )
        ]
    return []
