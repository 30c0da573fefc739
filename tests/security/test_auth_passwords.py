"""Password policy of POST /api/users/: Django's similarity, common-password and numeric
validators, and at least PASSWORD_MIN_LENGTH (10) characters."""
import pytest


@pytest.fixture
def staff(make_user, client_for):
    return client_for(make_user("root", is_staff=True))


@pytest.mark.parametrize("password, message", [
    ("password", "too common"),
    ("12345678", "entirely numeric"),
    ("short-pw1", "at least 10 characters"),
    ("carol.smith-x", "too similar"),
])
def test_weak_passwords_are_refused_with_the_validator_message(staff, password, message):
    resp = staff.post("/api/users/", {"username": "carol.smith", "password": password,
                                      "email": "carol.smith@example.com"}, format="json")
    assert resp.status_code == 400, resp.content
    assert resp.json()["detail"].startswith("password:")
    assert any(message in m for m in resp.json()["errors"]["password"]), resp.json()


def test_a_strong_password_is_accepted(staff):
    resp = staff.post("/api/users/", {"username": "carol", "password": "violet-Harbour-17"},
                      format="json")
    assert resp.status_code == 201


def test_non_string_fields_are_refused(staff):
    resp = staff.post("/api/users/", {"username": 12345, "password": "violet-Harbour-17"},
                      format="json")
    assert resp.status_code == 400 and "username" in resp.json()["detail"]
