"""Consensus: a second annotator (PATCH second_assignee), GET /api/videos/{id}/consensus/ (J&F of
two annotators' masklets, from the evaluation code) and POST .../consensus/pick/."""
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from webapp.annotations.models import FrameMask, Object
from webapp.exports.evaluation import ALL_FRAMES, evaluate, select
from webapp.projects.models import Membership
from webapp.review.models import Comment, ReviewEvent
from webapp.videos.models import Video

H, W = 48, 64


def _rle(x0, y0, x1, y1):
    m = np.zeros((H, W), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [H, W], "counts": rle["counts"].decode()}, int(m.sum())


def _masklet(video, user, box, frames=range(10), name=""):
    obj = Object.objects.create(video=video, created_by=user, name=name)
    rle, area = _rle(*box)
    for f in frames:
        FrameMask.objects.create(object=obj, video=video, frame=f, rle=rle, area=area,
                                 source="prompt")
    return obj


@pytest.fixture
def two_sets(team, make_user):
    """annotator and annotator2 labelled the same video: a car both drew alike, a person
    annotator2 drew 2 px to the right, a dog only annotator2 drew, and a kite only annotator
    drew (far from anything of annotator2's)."""
    project, video, users = team
    users["annotator2"] = make_user("annotator2")
    Membership.objects.create(project=project, user=users["annotator2"], role="annotator")
    a, b = users["annotator"], users["annotator2"]
    sets = {
        "car_a": _masklet(video, a, (4, 4, 14, 14), name="car"),
        "person_a": _masklet(video, a, (30, 10, 40, 20), name="person"),
        "kite_a": _masklet(video, a, (50, 36, 60, 46), frames=range(3), name="kite"),
        "car_b": _masklet(video, b, (4, 4, 14, 14), name="car"),
        "person_b": _masklet(video, b, (32, 10, 42, 20), name="person"),
        "dog_b": _masklet(video, b, (4, 30, 10, 36), frames=range(5, 10), name="dog"),
    }
    return project, video, users, sets


def _get(client_for, user, video, query=""):
    return client_for(user).get(f"/api/videos/{video.pk}/consensus/{query}")


def test_pairs_worst_first_with_the_evaluation_codes_values(two_sets, client_for):
    _, video, users, s = two_sets
    resp = _get(client_for, users["reviewer"], video, "?a=annotator&b=annotator2")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["a"], body["b"], body["protocol"], body["frames"]) == (
        "annotator", "annotator2", "all-frames", 10)
    assert [(p["a_id"], p["b_id"]) for p in body["pairs"]] == [
        (s["person_a"].pk, s["person_b"].pk), (s["car_a"].pk, s["car_b"].pk)]
    person, car = body["pairs"]
    # Two 10x10 squares 2 px apart: IoU 80 / 120 on every frame.
    assert person["J"] == pytest.approx(80 / 120)
    assert all(f["J"] == pytest.approx(80 / 120, abs=1e-4) for f in person["frames"])
    assert [f["frame"] for f in person["frames"]] == list(range(10))
    assert (car["J"], car["F"], car["JF"]) == (1.0, 1.0, 1.0)
    # The same numbers as the evaluation code gives for these two sets.
    ref = evaluate(video, select(video, {"user": "annotator"}),
                   select(video, {"user": "annotator2"}), protocol=ALL_FRAMES)
    by_ref = {o["reference_id"]: o for o in ref["objects"]}
    for pair in body["pairs"]:
        o = by_ref[pair["a_id"]]
        assert o["candidate_id"] == pair["b_id"]
        assert (pair["J"], pair["F"], pair["JF"]) == pytest.approx(
            (o["J"]["mean"], o["F"]["mean"], o["JF"]))
        assert [f["JF"] for f in pair["frames"]] == o["frames_jf"]
    assert 0 < person["F"] < 1
    # The kite was paired with the dog by the assignment, but they never overlap.
    assert body["unmatched_a"] == [s["kite_a"].pk]
    assert body["unmatched_b"] == [s["dog_b"].pk]
    semi = _get(client_for, users["reviewer"], video,
                "?a=annotator&b=annotator2&protocol=semi-supervised&stride=2").json()
    assert semi["frames"] == 3  # frames 0, 2, 4, 6, 8 without the first and last


def test_a_second_annotator_is_assigned_and_is_the_default_pair(two_sets, client_for, sent):
    _, video, users, _ = two_sets
    url = f"/api/videos/{video.pk}/"
    owner = client_for(users["owner"])
    assert client_for(users["annotator"]).patch(
        url, {"second_assignee": "annotator2"}, format="json").status_code == 403
    bad = owner.patch(url, {"second_assignee": "viewer"}, format="json")
    assert bad.status_code == 400 and "second_assignee" in bad.json()["errors"]
    resp = owner.patch(url, {"assignee": "annotator", "second_assignee": "annotator2"},
                       format="json")
    assert resp.status_code == 200, resp.content
    assert (resp.json()["assignee"], resp.json()["second_assignee"]) == (
        "annotator", "annotator2")
    assert sent[-1][1]["type"] == "video.updated"
    assert sent[-1][1]["second_assignee"] == "annotator2"
    same = owner.patch(url, {"second_assignee": "annotator"}, format="json")
    assert same.status_code == 400
    assert same.json()["errors"]["second_assignee"][0].startswith(
        "the second annotator must be someone other than the assignee")
    work = client_for(users["annotator2"]).get("/api/me/work/").json()
    row = work[0]["videos"][0]
    assert (row["id"], row["my_part"], row["second_assignee"]) == (
        video.pk, ["annotate"], "annotator2")
    body = _get(client_for, users["owner"], video).json()
    assert (body["a"], body["b"], len(body["pairs"])) == ("annotator", "annotator2", 2)


@pytest.mark.parametrize("query,field,message", [
    ("", "a", "name two annotators (a and b), or assign the video a second annotator"),
    ("?a=annotator", "b", "name two annotators (a and b), or assign the video a second "
                          "annotator"),
    ("?a=annotator&b=annotator", "b", "a and b must be two different annotators"),
    ("?a=annotator&b=ghost", "b", "no user named 'ghost'"),
    ("?a=viewer&b=annotator", "a", "'viewer' drew no masklets in this video"),
    ("?a=annotator&b=annotator2&protocol=davis", "protocol", '"davis" is not a valid choice.'),
    ("?a=annotator&b=annotator2&stride=0", "stride",
     "Ensure this value is greater than or equal to 1."),
])
def test_bad_consensus_queries_are_400(two_sets, client_for, query, field, message):
    _, video, users, _ = two_sets
    resp = _get(client_for, users["reviewer"], video, query)
    assert resp.status_code == 400
    assert resp.json()["errors"] == {field: [message]}


def test_consensus_of_another_projects_video_is_404(two_sets, client_for):
    _, video, users, _ = two_sets
    assert _get(client_for, users["outsider"], video, "?a=annotator&b=annotator2") \
        .status_code == 404
    assert _get(client_for, users["reviewer"], Video(pk=video.pk + 999)).status_code == 404


def _pick(client_for, user, video, body):
    return client_for(user).post(f"/api/videos/{video.pk}/consensus/pick/", body, format="json")


@pytest.mark.parametrize("role,code", [("owner", 200), ("admin", 200), ("reviewer", 200),
                                       ("annotator", 403), ("viewer", 403), ("outsider", 404)])
def test_who_may_pick(two_sets, client_for, role, code):
    _, video, users, s = two_sets
    resp = _pick(client_for, users[role], video,
                 {"keep": s["person_a"].pk, "drop": s["person_b"].pk})
    assert resp.status_code == code, resp.content
    assert Object.objects.get(pk=s["person_b"].pk).deleted is (code == 200)


def test_a_pick_accepts_one_drops_the_other_and_tells_the_room(two_sets, client_for, sent):
    _, video, users, s = two_sets
    keep, drop = s["person_b"], s["person_a"]
    seq0 = Video.objects.get(pk=video.pk).seq
    resp = _pick(client_for, users["reviewer"], video,
                 {"keep": keep.pk, "drop": drop.pk, "comment": "tighter on the left"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["kept"]["id"], body["kept"]["review_status"]) == (keep.pk, "accepted")
    assert body["dropped"]["id"] == drop.pk
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.review_status, keep.deleted, drop.deleted) == ("accepted", False, True)
    assert (keep.seq, drop.seq) == (seq0 + 1, seq0 + 2)
    events = [e for _, e in sent]
    assert [e["type"] for e in events] == ["object.updated", "object.deleted",
                                           "comment.created"]
    assert events[0]["object"]["review_status"] == "accepted" and events[0]["by"] == "reviewer"
    assert (events[1]["object"]["id"], events[1]["seq"]) == (drop.pk, seq0 + 2)
    comment = Comment.objects.get()
    assert (comment.object_id, comment.decision, comment.text) == (
        keep.pk, "accepted", "Consensus: kept over person (by annotator): tighter on the left")
    assert ReviewEvent.objects.filter(object=keep, value="accepted").exists()
    live = {o["id"] for o in client_for(users["viewer"]).get(
        f"/api/videos/{video.pk}/objects/").json()}
    assert drop.pk not in live and keep.pk in live
    # The dropped masklet is out of the next consensus: its partner is now unmatched.
    after = _get(client_for, users["reviewer"], video, "?a=annotator&b=annotator2").json()
    assert keep.pk in after["unmatched_b"]


@pytest.mark.parametrize("body,field", [
    ({"keep": "x", "drop": 1}, "keep"),
    ({"keep": 1}, "drop"),
    ({"keep": 0, "drop": 1}, "keep"),
])
def test_malformed_picks_are_400(two_sets, client_for, body, field):
    _, video, users, _ = two_sets
    resp = _pick(client_for, users["reviewer"], video, body)
    assert resp.status_code == 400 and field in resp.json()["errors"]


def test_picks_of_other_videos_or_dropped_masklets_are_400(two_sets, client_for, sent):
    project, video, users, s = two_sets
    other = Video.objects.create(project=project, name="w.mp4", status="ready", num_frames=10,
                                 width=W, height=H)
    stranger = _masklet(other, users["annotator"], (0, 0, 5, 5), frames=[0])
    reviewer = users["reviewer"]
    resp = _pick(client_for, reviewer, video, {"keep": s["car_a"].pk, "drop": stranger.pk})
    assert resp.status_code == 400
    assert resp.json()["errors"] == {"drop": [f"object {stranger.pk} is not a live object of "
                                              "this video"]}
    resp = _pick(client_for, reviewer, video, {"keep": s["car_a"].pk, "drop": s["car_a"].pk})
    assert resp.json()["errors"] == {"drop": ["keep and drop must be two different masklets"]}
    assert _pick(client_for, reviewer, video,
                 {"keep": s["car_a"].pk, "drop": s["car_b"].pk}).status_code == 200
    again = _pick(client_for, reviewer, video, {"keep": s["car_b"].pk, "drop": s["car_a"].pk})
    assert again.json()["errors"] == {"keep": [f"object {s['car_b'].pk} is not a live object "
                                               "of this video"]}
    # Nothing changed by the refusals: one pick's three events only.
    assert len(sent) == 3
    assert not Object.objects.get(pk=stranger.pk).deleted
    assert _pick(client_for, reviewer, Video(pk=video.pk + 999),
                 {"keep": 1, "drop": 2}).status_code == 404
