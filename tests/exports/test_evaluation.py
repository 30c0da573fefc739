"""J&F end to end: two annotators, or an annotator against imported ground truth, through
the API and `manage.py evaluate`, stored for reviewers."""
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from tests.exports.conftest import disc, rect
from webapp.exports import jf, views
from webapp.exports.evaluate_job import run_evaluation
from webapp.exports.models import Evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_annotators(make_video, add_object):
    """alice = the annotator; bob = the admin. Same disc; bob's box is 3 px to the right."""
    video = make_video(num_frames=6)
    h, w = 48, 64
    a_disc = add_object(video, {f: disc(h, w, 12 + 2 * f, 14, 6) for f in range(6)}, "disc",
                        user="annotator")
    a_box = add_object(video, {f: rect(h, w, 30, 28, 40, 38) for f in range(6)}, "box",
                       user="annotator")
    # Created in the other order, so matching must be by overlap, not by position.
    b_box = add_object(video, {f: rect(h, w, 33, 28, 43, 38) for f in range(6)}, "box",
                       user="admin")
    b_disc = add_object(video, {f: disc(h, w, 12 + 2 * f, 14, 6) for f in range(6)}, "disc",
                        user="admin")
    return video, (a_disc, a_box), (b_disc, b_box)


def expected_box_scores():
    gt, pred = rect(48, 64, 30, 28, 40, 38), rect(48, 64, 33, 28, 43, 38)
    return jf.jaccard(pred, gt), jf.f_measure(pred, gt)


def test_two_annotators_are_matched_by_overlap_and_scored(two_annotators):
    video, (a_disc, a_box), (b_disc, b_box) = two_annotators
    ev = Evaluation.objects.create(video=video, reference={"user": "annotator"},
                                   candidate={"user": "admin"})
    ev = run_evaluation(ev.pk)
    assert ev.status == "done", ev.error
    objs = {o["reference_id"]: o for o in ev.result["objects"]}
    assert objs[a_disc.pk]["candidate_id"] == b_disc.pk
    assert objs[a_box.pk]["candidate_id"] == b_box.pk
    assert objs[a_disc.pk]["J"]["mean"] == 1.0 and objs[a_disc.pk]["F"]["mean"] == 1.0
    j_box, f_box = expected_box_scores()
    assert j_box == pytest.approx(70 / 130)
    assert objs[a_box.pk]["J"]["mean"] == pytest.approx(j_box)
    assert objs[a_box.pk]["F"]["mean"] == pytest.approx(f_box)
    assert ev.j_mean == pytest.approx((1 + j_box) / 2)
    assert ev.f_mean == pytest.approx((1 + f_box) / 2)
    assert ev.jf_mean == pytest.approx((ev.j_mean + ev.f_mean) / 2)
    # The default protocol is DAVIS 2017 semi-supervised: frames 0 and 5 are left out.
    assert ev.result["protocol"] == "semi-supervised" and ev.result["pairing"] == "hungarian"
    assert [f["frame"] for f in ev.result["frames"]] == [1, 2, 3, 4]
    assert ev.result["frames"][0]["J"] == pytest.approx((1 + j_box) / 2)
    assert ev.result["unmatched_candidates"] == []


def test_a_missed_object_scores_zero_where_the_reference_has_it(make_video, add_object):
    video = make_video(num_frames=4)
    ref = add_object(video, {0: rect(48, 64, 0, 0, 10, 10), 1: rect(48, 64, 0, 0, 10, 10)},
                     user="annotator")
    far = add_object(video, {3: rect(48, 64, 50, 30, 60, 40)}, user="admin")
    ev = Evaluation.objects.create(video=video, reference={"objects": [ref.pk]},
                                   candidate={"objects": [far.pk]},
                                   options={"protocol": "all-frames"})
    r = run_evaluation(ev.pk).result
    (o,) = r["objects"]
    # As in DAVIS, a candidate is assigned when there are as many candidates as
    # references, even without overlap: frames 0, 1: reference only → 0; frame 2: both
    # empty → 1; frame 3: candidate only → 0.
    assert o["candidate_id"] == far.pk
    assert [f["J"] for f in r["frames"]] == [0.0, 0.0, 1.0, 0.0]
    assert r["unmatched_candidates"] == []
    ev2 = Evaluation.objects.create(video=video, reference={"objects": [ref.pk]},
                                    candidate={"objects": [far.pk]},
                                    options={"annotated_only": True, "protocol": "all-frames"})
    r2 = run_evaluation(ev2.pk).result
    assert [f["frame"] for f in r2["frames"]] == [0, 1] and r2["overall"]["JF"] == 0.0


def test_explicit_pairs_override_matching(two_annotators):
    video, (a_disc, a_box), (b_disc, b_box) = two_annotators
    ev = Evaluation.objects.create(
        video=video, reference={"objects": [a_disc.pk]}, candidate={"objects": [b_box.pk]},
        options={"pairs": [[a_disc.pk, b_box.pk]]})
    r = run_evaluation(ev.pk)
    assert r.result["objects"][0]["candidate_id"] == b_box.pk and r.j_mean == 0.0


def test_api_evaluation_against_imported_ground_truth(two_annotators, project_with_roles,
                                                       client_for, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    from tests.exports.conftest import export_zip
    from tests.exports.test_roundtrip import import_into, zip_bytes

    video, (a_disc, a_box), _ = two_annotators
    from webapp.annotations.models import Object

    # Ground truth: alice's two objects (bob's hidden meanwhile), exported and imported
    # back as a separate set.
    keep = {a_disc.pk, a_box.pk}
    Object.objects.filter(video=video).exclude(pk__in=keep).update(deleted=True)
    gt_zip = export_zip(video, "davis", include_frames=False)
    Object.objects.filter(video=video).update(deleted=False)
    job = import_into(video, "davis", zip_bytes(gt_zip))
    assert job.status == "done", job.error

    monkeypatch.setattr(views, "submit", lambda task, *a: task.run(*a))
    reviewer = client_for(project_with_roles[1]["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        r = reviewer.post(f"/api/videos/{video.pk}/evaluations/",
                          {"reference": {"import": job.pk}, "candidate": {"user": "admin"}},
                          format="json")
    assert r.status_code == 201, r.json()
    ev = reviewer.get(f"/api/evaluations/{r.json()['id']}/").json()
    assert ev["status"] == "done", ev["error"]
    j_box, f_box = expected_box_scores()
    assert ev["j_mean"] == pytest.approx((1 + j_box) / 2)
    assert ev["jf_mean"] == pytest.approx(((1 + j_box) / 2 + (1 + f_box) / 2) / 2)
    listing = client_for(project_with_roles[1]["viewer"]).get(
        f"/api/videos/{video.pk}/evaluations/").json()
    assert [e["id"] for e in listing] == [ev["id"]] and "result" not in listing[0]
    viewer = client_for(project_with_roles[1]["viewer"])
    assert viewer.post(f"/api/videos/{video.pk}/evaluations/",
                       {"reference": {"import": job.pk}, "candidate": {"user": "admin"}},
                       format="json").status_code == 403
    outsider = client_for(project_with_roles[1]["outsider"])
    assert outsider.get(f"/api/evaluations/{ev['id']}/").status_code == 404


def test_api_rejects_bad_selectors_with_400(two_annotators, project_with_roles, client_for):
    video, *_ = two_annotators
    c = client_for(project_with_roles[1]["annotator"])
    for body in ({"reference": {"user": "nobody"}, "candidate": {"user": "admin"}},
                 {"reference": {"import": 999}, "candidate": {"user": "admin"}},
                 {"reference": {"colour": "red"}, "candidate": {"user": "admin"}}):
        r = c.post(f"/api/videos/{video.pk}/evaluations/", body, format="json")
        assert r.status_code == 400, body
    assert not Evaluation.objects.exists()


def test_manage_py_evaluate_prints_and_stores(two_annotators):
    video, (a_disc, a_box), (b_disc, b_box) = two_annotators
    out = io.StringIO()
    call_command("evaluate", str(video.pk), "--reference", "user:annotator",
                 "--candidate", "user:admin", "--json", stdout=out)
    result = json.loads(out.getvalue())
    ev = Evaluation.objects.get(pk=result["id"])
    assert ev.status == "done" and ev.result["overall"] == result["overall"]
    assert result["overall"]["JF"] == pytest.approx(ev.jf_mean)
    table = io.StringIO()
    call_command("evaluate", str(video.pk), "--reference", f"objects:{a_disc.pk}",
                 "--candidate", f"objects:{b_disc.pk}", stdout=table)
    assert "overall" in table.getvalue() and "1.0000" in table.getvalue()
    with pytest.raises(CommandError, match="selector"):
        call_command("evaluate", str(video.pk), "--reference", "bogus", "--candidate", "user:x")


def test_a_users_set_leaves_out_what_they_imported(two_annotators, project_with_roles):
    from tests.exports.conftest import export_zip
    from tests.exports.test_roundtrip import import_into, zip_bytes
    from webapp.annotations.models import Object
    from webapp.exports.evaluation import select

    video, (a_disc, a_box), (b_disc, b_box) = two_annotators
    alice = project_with_roles[1]["annotator"]
    job = import_into(video, "coco", zip_bytes(export_zip(video, "coco", include_frames=False)))
    assert job.status == "done", job.error
    Object.objects.filter(pk__in=job.result["object_ids"]).update(created_by=alice)
    assert [o.pk for o in select(video, {"user": "annotator"})] == [a_disc.pk, a_box.pk]
    assert len(select(video, {"import": job.pk})) == 4
    ev = Evaluation.objects.create(video=video, reference={"import": job.pk},
                                   candidate={"user": "annotator"})
    ev = run_evaluation(ev.pk)
    assert ev.status == "done", ev.error
    # alice's two objects match the imported copies of themselves exactly.
    scored = [o for o in ev.result["objects"] if o["candidate_id"] is not None]
    assert len(scored) == 2 and all(o["JF"] == 1.0 for o in scored)


def test_each_object_has_its_jf_per_evaluated_frame(two_annotators):
    video, (a_disc, a_box), _ = two_annotators
    ev = run_evaluation(Evaluation.objects.create(
        video=video, reference={"user": "annotator"}, candidate={"user": "admin"},
        options={"protocol": "all-frames"}).pk)
    assert ev.status == "done", ev.error
    objs = {o["reference_id"]: o for o in ev.result["objects"]}
    j_box, f_box = expected_box_scores()
    assert objs[a_disc.pk]["frames_jf"] == [1.0] * 6
    assert objs[a_box.pk]["frames_jf"] == [round((j_box + f_box) / 2, 4)] * 6
    assert len(ev.result["frames"]) == 6
