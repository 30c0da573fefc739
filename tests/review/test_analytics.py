"""GET /api/projects/{id}/analytics/ on a scripted session with known timestamps."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from webapp.annotations.models import FrameMask, Object, Prompt
from webapp.review.models import Comment, PropagationRun, ReviewEvent

T0 = datetime(2026, 11, 30, 10, 0, 0, tzinfo=timezone.utc)
RLE = {"size": [48, 64], "counts": "0"}


def _at(model, obj, seconds):
    model.objects.filter(pk=obj.pk).update(created_at=T0 + timedelta(seconds=seconds))


@pytest.fixture
def session(team):
    project, video, users = team
    a, adm, rev = users["annotator"], users["admin"], users["reviewer"]
    o1 = Object.objects.create(video=video, name="car", created_by=a)
    o2 = Object.objects.create(video=video, name="dog", created_by=adm)
    seq = iter(range(1, 100))
    # The annotator: 3 clicks on frame 0, a propagation, a correction on frame 5, a break of
    # 150 s (idle), one more click and a hand-tool mask on frame 5.
    for t, frame, kind in [(0, 0, "point"), (10, 0, "point"), (25, 0, "box"), (50, 5, "point"),
                           (200, 5, "point"), (210, 5, "mask")]:
        _at(Prompt, Prompt.objects.create(video=video, seq=next(seq), object=o1, frame=frame,
                                          kind=kind, user=a), t)
    _at(PropagationRun, PropagationRun.objects.create(video=video, user=a, frame=0,
                                                      direction="forward",
                                                      object_ids=[o1.pk]), 30)
    for f in range(10):
        FrameMask.objects.create(object=o1, video=video, frame=f, rle=RLE, area=50,
                                 source="propagation")
    # The reviewer: reject (t+1000), a comment 30 s later, accept after a break.
    for t, prev, value in [(1000, "submitted", "rejected"), (2000, "rejected", "accepted")]:
        _at(ReviewEvent, ReviewEvent.objects.create(video=video, object=o1, kind="status",
                                                    previous=prev, value=value, user=rev), t)
    _at(Comment, Comment.objects.create(video=video, frame=5, text="leaks", author=rev), 1030)
    # The admin, the next day: two clicks 40 s apart on the other masklet.
    for t in (86400, 86440):
        _at(Prompt, Prompt.objects.create(video=video, seq=next(seq), object=o2, frame=2,
                                          kind="point", user=adm), t)
    FrameMask.objects.create(object=o2, video=video, frame=2, rle=RLE, area=30, source="prompt")
    return project, video, users, o1, o2


def test_scripted_session(session, client_for):
    project, video, users, o1, o2 = session
    r = client_for(users["owner"]).get(f"/api/projects/{project.pk}/analytics/")
    assert r.status_code == 200, r.content
    report = r.json()
    assert "60 s" in report["idle_rule"]
    people = {p["username"]: p for p in report["annotators"]}
    ann = people["annotator"]
    # 10 + 15 + 5 (propagation) + 20 + 0 (after the break) + 10 = 60 s over 10 frames.
    assert ann["annotation_seconds"] == 60.0
    assert (ann["clicks"], ann["mask_edits"], ann["propagation_runs"]) == (5, 1, 1)
    assert ann["frames_with_masks"] == 10 and ann["seconds_per_frame"] == 6.0
    assert ann["frames_corrected_after_propagation"] == 1
    assert (ann["review_rounds"], ann["rejections"], ann["rejection_rate"]) == (2, 1, 0.5)
    assert people["reviewer"]["review_seconds"] == 30.0
    assert people["admin"]["annotation_seconds"] == 40.0
    m1 = next(m for m in report["masklets"] if m["object_id"] == o1.pk)
    assert (m1["annotation_seconds"], m1["clicks"], m1["frames_with_masks"]) == (60.0, 5, 10)
    assert m1["rejection_rate"] == 0.5
    proj = report["project"]
    assert proj["annotation_seconds"] == 100.0 and proj["frames_with_masks"] == 10
    assert proj["seconds_per_frame"] == 10.0  # frame 2 counted once for both masklets
    assert [d["date"] for d in report["days"]] == ["2026-11-30", "2026-12-01"]
    assert report["days"][1]["annotation_seconds"] == 40.0
    assert report["videos"][0]["review_rounds"] == 2
    # A date range narrows it to one day.
    day2 = client_for(users["owner"]).get(
        f"/api/projects/{project.pk}/analytics/?since=2026-12-01&until=2026-12-01").json()
    assert day2["project"]["clicks"] == 2


def test_csv(session, client_for):
    project, *_ = session
    r = client_for(session[2]["admin"]).get(f"/api/projects/{project.pk}/analytics/?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert rows[0]["scope"] == "project" and rows[0]["annotation_seconds"] == "100.0"
    assert {row["scope"] for row in rows} == {"project", "annotator", "video", "masklet", "day"}


@pytest.mark.parametrize("role,code", [("owner", 200), ("admin", 200), ("reviewer", 200),
                                       ("annotator", 403), ("viewer", 403), ("outsider", 404)])
def test_who_sees_analytics(team, client_for, role, code):
    project, _, users = team
    assert client_for(users[role]).get(f"/api/projects/{project.pk}/analytics/").status_code \
        == code


def test_bad_dates_are_400(team, client_for):
    project, _, users = team
    r = client_for(users["owner"]).get(f"/api/projects/{project.pk}/analytics/?since=yesterday")
    assert r.status_code == 400
    assert r.json()["errors"] == {"since": ["'yesterday' is not a date (YYYY-MM-DD)"]}


def test_refusals_stay_json_when_csv_was_asked(team, client_for):
    project, _, users = team
    r = client_for(users["viewer"]).get(f"/api/projects/{project.pk}/analytics/?format=csv")
    assert r.status_code == 403 and r["Content-Type"] == "application/json"
    assert "may not see" in r.json()["detail"]
