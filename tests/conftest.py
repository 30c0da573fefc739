"""Shared fixtures: named users, a project with roles, synthetic videos on disk."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from webapp.projects.models import PALETTE, LabelClass, Membership, Project, Role
from webapp.videos.synthetic import write_video

ROLES = ["owner", "admin", "annotator", "reviewer", "viewer"]


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def make_user(db):
    def make(username: str, **extra):
        User = get_user_model()
        user = User.objects.create_user(username=username, password=f"{username}-password", **extra)
        return user

    return make


@pytest.fixture
def client_for():
    """An API client authenticated with the user's token (the contract's token auth)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def project_with_roles(make_user):
    """A project with one member per role (users named after their role), plus an outsider."""
    users = {role: make_user(role) for role in ROLES}
    users["outsider"] = make_user("outsider")
    project = Project.objects.create(name="Shapes", created_by=users["owner"])
    for role in ROLES:
        Membership.objects.create(project=project, user=users[role], role=role)
    for i, name in enumerate(["disc", "box"]):
        LabelClass.objects.create(project=project, name=name, color=PALETTE[i], order=i)
    return project, users


@pytest.fixture
def clip(tmp_path) -> Path:
    return write_video(tmp_path / "clip.mp4", num_frames=24, width=160, height=120)


@pytest.fixture
def ready_video(project_with_roles, clip):
    """A video ingested synchronously (frames on disk, status ready)."""
    from django.core.files import File

    from django.core.files.storage import default_storage

    from webapp.videos.decode import decode_to_jpegs
    from webapp.videos.models import Video

    project, users = project_with_roles
    video = Video.objects.create(project=project, name="clip.mp4", uploaded_by=users["owner"])
    with open(clip, "rb") as fh:
        video.file.save("clip.mp4", File(fh), save=True)
    # In-process decode (the child-process path is tested in test_upload).
    m = decode_to_jpegs(clip, default_storage.path(f"frames/{video.pk}"))
    Video.objects.filter(pk=video.pk).update(
        status="ready", progress=100, num_frames=m.num_frames, width=m.width, height=m.height,
        fps=m.fps, duration=m.duration, timestamps=m.timestamps,
    )
    video.refresh_from_db()
    return video


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
