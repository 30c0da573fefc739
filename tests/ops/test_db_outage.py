"""A database error from a view answers 503 {"detail": "database unavailable"} with
Retry-After (webapp.db_outage); any other error is still a 500. The live Postgres restart is in
test_outages.py."""
import pytest
from django.db import InterfaceError, OperationalError
from rest_framework.test import APIClient

from webapp.annotations import views

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("exc", [OperationalError("connection refused"),
                                 InterfaceError("connection already closed")])
def test_a_database_error_is_a_503_with_a_clear_detail(monkeypatch, make_user, client_for,
                                                         exc):
    def down(*_a, **_kw):
        raise exc

    monkeypatch.setattr(views.MasksView, "get", down)
    r = client_for(make_user("ann")).get("/api/videos/1/masks/?frame=0")
    assert r.status_code == 503
    assert r.json() == {"detail": "database unavailable"}
    assert r["Retry-After"] == "2"


def test_other_errors_are_not_reported_as_a_database_outage(monkeypatch, make_user):
    def broken(*_a, **_kw):
        raise ValueError("a bug")

    monkeypatch.setattr(views.MasksView, "get", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(make_user("ann"))
    r = client.get("/api/videos/1/masks/?frame=0")
    assert r.status_code == 500
