"""J&F protocols and pairing as the DAVIS 2017 evaluation (davis2017-evaluation) defines
them, on hand-made cases: the semi-supervised protocol leaves out the first and last
frames; automatic pairing is a Hungarian assignment on the mean (J+F)/2 with empty
candidates padded in; decay compares the first and last of four quarters at any length."""
import itertools

import numpy as np
import pytest

from tests.exports.conftest import rect
from webapp.exports import jf
from webapp.exports.evaluate_job import run_evaluation
from webapp.exports.evaluation import EvaluationError, assign, evaluate
from webapp.exports.models import Evaluation
from tests.exports.test_api import inline_jobs  # noqa: F401 - a shared fixture

pytestmark = pytest.mark.django_db

H, W = 48, 64


def bar(x0, x1):
    return rect(H, W, x0, 0, x1, 10)


def test_semi_supervised_leaves_out_the_first_and_last_frames(make_video, add_object):
    video = make_video(num_frames=5)
    ref = add_object(video, {f: bar(0, 20) for f in range(5)}, user="annotator")
    # Perfect in the middle; wrong on the first frame (empty) and the last (shifted away).
    cand = add_object(video, {1: bar(0, 20), 2: bar(0, 20), 3: bar(0, 20), 4: bar(40, 60)},
                      user="admin")
    semi = evaluate(video, [ref], [cand], protocol="semi-supervised")
    assert semi["protocol"] == "semi-supervised"
    assert [f["frame"] for f in semi["frames"]] == [1, 2, 3]
    assert semi["overall"]["J"]["mean"] == 1.0 and semi["overall"]["F"]["mean"] == 1.0
    assert semi["overall"]["JF"] == 1.0 and semi["overall"]["frames"] == 3
    full = evaluate(video, [ref], [cand], protocol="all-frames")
    assert full["protocol"] == "all-frames"
    assert [f["frame"] for f in full["frames"]] == [0, 1, 2, 3, 4]
    assert full["overall"]["J"]["mean"] == pytest.approx(3 / 5)
    assert full["overall"]["F"]["mean"] == pytest.approx(3 / 5)
    # Recall: frames over 0.5; decay: first quarter (frames 0-1) minus last (frames 3-4).
    (o,) = full["objects"]
    assert o["J"]["recall"] == pytest.approx(3 / 5)
    assert o["J"]["decay"] == pytest.approx(0.5 - 0.5)


def test_semi_supervised_needs_three_frames(make_video, add_object):
    video = make_video(num_frames=2)
    ref = add_object(video, {0: bar(0, 20)}, user="annotator")
    cand = add_object(video, {0: bar(0, 20)}, user="admin")
    with pytest.raises(EvaluationError, match="all-frames"):
        evaluate(video, [ref], [cand], protocol="semi-supervised")
    assert evaluate(video, [ref], [cand], protocol="all-frames")["overall"]["JF"] == 1.0


def pair_score(gt, pred) -> float:
    return (jf.jaccard(pred, gt) + jf.f_measure(pred, gt)) / 2


def test_hungarian_pairing_beats_greedy_where_they_differ(make_video, add_object):
    """R1 matches C1 best, but taking that pair leaves R2 with C2, which misses it
    entirely; the assignment on (J+F)/2 pairs R1-C2 and R2-C1 for a higher total."""
    video = make_video(num_frames=3)
    r1m, r2m = bar(16, 54), bar(42, 56)
    c1m, c2m = bar(28, 56), bar(16, 36)
    r1 = add_object(video, {f: r1m for f in range(3)}, user="annotator")
    r2 = add_object(video, {f: r2m for f in range(3)}, user="annotator")
    c1 = add_object(video, {f: c1m for f in range(3)}, user="admin")
    c2 = add_object(video, {f: c2m for f in range(3)}, user="admin")
    s = {(a, b): pair_score(gm, pm) for (a, gm), (b, pm) in itertools.product(
        ((r1.pk, r1m), (r2.pk, r2m)), ((c1.pk, c1m), (c2.pk, c2m)))}
    # The case discriminates: greedy (best pair first) and the optimum disagree.
    best_first = max(s, key=s.get)
    assert best_first == (r1.pk, c1.pk)
    greedy_total = s[(r1.pk, c1.pk)] + s[(r2.pk, c2.pk)]
    hungarian_total = s[(r1.pk, c2.pk)] + s[(r2.pk, c1.pk)]
    assert hungarian_total > greedy_total + 0.5
    r = evaluate(video, [r1, r2], [c1, c2], protocol="all-frames")
    partner = {o["reference_id"]: o["candidate_id"] for o in r["objects"]}
    assert partner == {r1.pk: c2.pk, r2.pk: c1.pk}
    assert r["pairing"] == "hungarian"
    assert (r["overall"]["J"]["mean"] + r["overall"]["F"]["mean"]) / 2 == pytest.approx(
        hungarian_total / 2)


def test_assign_maximises_the_total_like_a_brute_force_search():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n, m = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        scores = rng.random((n, m))
        got = sum(scores[r, c] for r, c in assign(scores))
        best = max(sum(scores[r, c] for r, c in zip(range(n), perm))
                   for perm in itertools.permutations(range(m), min(n, m))) if m >= n else max(
            sum(scores[r, c] for r, c in zip(rows, range(m)))
            for rows in itertools.permutations(range(n), m))
        assert got == pytest.approx(best)


def test_fewer_candidates_than_references_pads_with_empty_masks(make_video, add_object):
    video = make_video(num_frames=3)
    r1 = add_object(video, {f: bar(0, 20) for f in range(3)}, user="annotator")
    r2 = add_object(video, {f: bar(30, 50) for f in range(3)}, user="annotator")
    c = add_object(video, {f: bar(30, 50) for f in range(3)}, user="admin")
    r = evaluate(video, [r1, r2], [c], protocol="all-frames")
    objs = {o["reference_id"]: o for o in r["objects"]}
    assert objs[r2.pk]["candidate_id"] == c.pk and objs[r2.pk]["JF"] == 1.0
    assert objs[r1.pk]["candidate_id"] is None and objs[r1.pk]["JF"] == 0.0
    assert r["overall"]["JF"] == pytest.approx(0.5)


def test_decay_uses_four_quarters_at_any_length():
    # DAVIS: bin edges round(linspace(1, n, 5)) - 1; decay = mean(bin 1) - mean(bin 4).
    v = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]  # n = 10: edges 0, 2, 5, 7, 9
    st = jf.stats(v)
    assert st.decay == pytest.approx(np.mean(v[0:3]) - np.mean(v[7:10]))
    assert st.recall == pytest.approx(0.5)  # 1.0 .. 0.6 are over 0.5
    # 300 frames: the DAVIS code's uint8 edges would wrap past 255; ours stay quarters.
    long = [1.0] * 150 + [0.0] * 150
    st = jf.stats(long)
    assert st.decay == pytest.approx(1.0) and st.mean == pytest.approx(0.5)
    # Edges round(1, 75.75, 150.5, 225.25, 300) - 1 = 0, 75, 150, 224, 299: the first
    # quarter is frames 0..75, the last 224..299.
    ramp = list(np.linspace(0, 1, 300))
    st = jf.stats(ramp)
    assert st.decay == pytest.approx(np.mean(ramp[0:76]) - np.mean(ramp[224:300]))
    # Short sequences still give four (overlapping) bins.
    assert jf.stats([0.2, 0.8]).decay == pytest.approx(0.2 - 0.8)
    assert jf.stats([0.7]).decay == 0.0


def test_api_takes_the_protocol_and_the_result_names_it(make_video, add_object,
                                                         project_with_roles, client_for,
                                                         inline_jobs):
    video = make_video(num_frames=4)
    ref = add_object(video, {f: bar(0, 20) for f in range(4)}, user="annotator")
    cand = add_object(video, {f: bar(0, 20) for f in (1, 2)}, user="admin")
    client = client_for(project_with_roles[1]["annotator"])
    url = f"/api/videos/{video.pk}/evaluations/"
    body = {"reference": {"objects": [ref.pk]}, "candidate": {"objects": [cand.pk]}}
    r = client.post(url, {**body, "protocol": "davis"}, format="json")
    assert r.status_code == 400 and "protocol" in r.json()["detail"]
    with inline_jobs(execute=True):
        r1 = client.post(url, body, format="json")
        r2 = client.post(url, {**body, "protocol": "all-frames"}, format="json")
    assert r1.status_code == 201 and r2.status_code == 201
    e1 = client.get(f"/api/evaluations/{r1.json()['id']}/").json()
    e2 = client.get(f"/api/evaluations/{r2.json()['id']}/").json()
    assert e1["options"]["protocol"] == "semi-supervised"
    assert e1["result"]["protocol"] == "semi-supervised" and e1["jf_mean"] == 1.0
    assert e2["result"]["protocol"] == "all-frames" and e2["jf_mean"] == pytest.approx(0.5)
    for e in (e1, e2):
        for key in ("mean", "recall", "decay"):
            assert key in e["result"]["overall"]["J"] and key in e["result"]["overall"]["F"]
            assert key in e["result"]["objects"][0]["J"]


def test_a_stored_row_without_protocol_runs_semi_supervised(make_video, add_object):
    video = make_video(num_frames=4)
    ref = add_object(video, {f: bar(0, 20) for f in range(4)}, user="annotator")
    cand = add_object(video, {f: bar(0, 20) for f in range(4)}, user="admin")
    ev = Evaluation.objects.create(video=video, reference={"objects": [ref.pk]},
                                   candidate={"objects": [cand.pk]})
    ev = run_evaluation(ev.pk)
    assert ev.result["protocol"] == "semi-supervised" and ev.result["overall"]["frames"] == 2
