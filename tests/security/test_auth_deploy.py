"""Deploy settings: the built-in SECRET_KEY fails `check --deploy`; X-Forwarded-Proto is only
believed when TRUST_X_FORWARDED_PROTO is on; /api/docs/ loads nothing from a CDN."""
import os
import subprocess
import sys

import pytest
from django.conf import settings as dj_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_check_deploy_fails_with_the_built_in_secret_key(settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    with pytest.raises(SystemCheckError, match="maskflow.E001"):
        call_command("check", deploy=True)


def test_check_deploy_passes_the_key_check_with_a_real_key(settings):
    from webapp.accounts.checks import secret_key_is_set

    settings.SECRET_KEY = "s" * 64
    assert secret_key_is_set(None) == []


def test_plain_check_still_passes_with_the_built_in_key(settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    call_command("check")  # `make run` with no env keeps working


def _settings_value(env_extra: dict, expr: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TRUST_X_FORWARDED_PROTO",)}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="webapp.settings")
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    proc = subprocess.run([sys.executable, "-c", code], cwd=dj_settings.BASE_DIR, env=env,
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1]


def test_x_forwarded_proto_is_only_trusted_when_configured(tmp_path):
    base = {"MASKFLOW_VAR_DIR": str(tmp_path)}
    assert _settings_value(base, "s.SECURE_PROXY_SSL_HEADER") == "None"
    on = _settings_value({**base, "TRUST_X_FORWARDED_PROTO": "true"}, "s.SECURE_PROXY_SSL_HEADER")
    assert on == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_forged_x_forwarded_proto_does_not_make_a_request_secure():
    from django.test import RequestFactory

    assert dj_settings.SECURE_PROXY_SSL_HEADER is None
    request = RequestFactory().get("/api/me/", HTTP_X_FORWARDED_PROTO="https")
    assert request.is_secure() is False


def test_a_proxy_header_is_honoured_when_trusted(settings):
    from django.test import RequestFactory

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https").is_secure() is True


def test_api_docs_load_swagger_ui_locally(make_user, client_for):
    resp = client_for(make_user("alice")).get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html and "@latest" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
