import pytest

from webapp.videos.models import Video


@pytest.fixture(autouse=True)
def flags_at_once(settings):
    """Score quality flags in the storing thread, so tests see them when store_masks returns
    (the deferred path has its own test)."""
    settings.FLAGS_DEFER_S = 0


@pytest.fixture
def sent(monkeypatch):
    """Room events emitted through webapp.realtime.events.emit: [(video_id, event)]."""
    out = []
    monkeypatch.setattr("webapp.realtime.events.emit", lambda vid, ev: out.append((vid, ev)))
    return out


@pytest.fixture
def team(project_with_roles):
    project, users = project_with_roles
    video = Video.objects.create(project=project, name="v.mp4", status="ready", num_frames=10,
                                 width=64, height=48, fps=10)
    return project, video, users
