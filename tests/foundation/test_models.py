"""Model constraints hold at the database level."""
import pytest
from django.db import IntegrityError, transaction

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.projects.models import LabelClass, Membership, Project, can
from webapp.videos.models import Video

RLE = {"size": [2, 2], "counts": "04"}


@pytest.fixture
def video(project_with_roles):
    project, users = project_with_roles
    return Video.objects.create(project=project, name="v", status="ready", num_frames=10)


def test_it_refuses_a_second_membership_for_the_same_user(project_with_roles):
    project, users = project_with_roles
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(project=project, user=users["viewer"], role="admin")


def test_it_refuses_an_unknown_role_in_the_database(project_with_roles, make_user):
    project, _ = project_with_roles
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(project=project, user=make_user("x"), role="superhero")


def test_it_refuses_duplicate_label_names_within_a_project_but_not_across(project_with_roles):
    project, users = project_with_roles
    with pytest.raises(IntegrityError), transaction.atomic():
        LabelClass.objects.create(project=project, name="disc")
    other = Project.objects.create(name="other")
    LabelClass.objects.create(project=other, name="disc")


def test_it_keeps_one_mask_per_object_and_frame(video):
    obj = Object.objects.create(video=video)
    FrameMask.objects.create(object=obj, video=video, frame=3, rle=RLE, source="prompt")
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameMask.objects.create(object=obj, video=video, frame=3, rle=RLE, source="propagation")
    FrameMask.objects.create(object=obj, video=video, frame=4, rle=RLE, source="propagation")


def test_it_keeps_prompt_seq_unique_per_video(video, project_with_roles):
    obj = Object.objects.create(video=video)
    Prompt.objects.create(video=video, seq=1, object=obj, frame=0, kind="point")
    with pytest.raises(IntegrityError), transaction.atomic():
        Prompt.objects.create(video=video, seq=1, object=obj, frame=1, kind="box")
    other = Video.objects.create(project=video.project, name="w")
    other_obj = Object.objects.create(video=other)
    Prompt.objects.create(video=other, seq=1, object=other_obj, frame=0, kind="point")


def test_it_refuses_an_unknown_video_status(project_with_roles):
    project, _ = project_with_roles
    with pytest.raises(IntegrityError), transaction.atomic():
        Video.objects.create(project=project, name="v", status="weird")


def test_roles_grant_exactly_their_actions():
    assert can("viewer", "view") and not can("viewer", "annotate")
    assert can("annotator", "annotate") and not can("annotator", "manage")
    assert can("reviewer", "review") and not can("reviewer", "annotate")
    assert can("admin", "manage") and not can("admin", "own")
    assert can("owner", "own")
    assert not can(None, "view")


def test_deleting_a_video_removes_its_masklets_and_masks(video):
    obj = Object.objects.create(video=video)
    FrameMask.objects.create(object=obj, video=video, frame=0, rle=RLE, source="prompt")
    video.delete()
    assert not Object.objects.exists() and not FrameMask.objects.exists()
