"""End-to-end consensus (issue 16, item 6) in Chromium: two annotators label the same video on
their own (masks sent as prompt.mask, as the brush does), the reviewer compares them in the
review panel's Consensus section (pairs worst first, a pair's J&F per frame), keeps one masklet
of the worse pair, and an open editor sees the other go live. Screenshot: consensus.png."""
import json

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for

from .conftest import ROOT, wait_live
from .test_screenshots_and_speed import _encode, _request, _ws_session

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
TEAM = {"cleo": "owner", "nia": "annotator", "omar": "annotator", "remy": "reviewer"}
FRAMES = 12


@pytest.fixture(scope="module")
def desk(mf_server, tmp_path_factory):
    from webapp.videos.synthetic import write_video

    base = mf_server.base
    pid = mf_server.team_project(TEAM, "c6", "Consensus desk", ["car", "person"])
    cleo = mf_server.api("cleo")
    clip = write_video(tmp_path_factory.mktemp("consensus") / "twice.mp4", num_frames=FRAMES, width=320, height=180)
    video = mf_server.upload("cleo", pid, clip)
    r = cleo.patch(f"{base}/api/videos/{video['id']}/",
                   json={"assignee": "nia", "reviewer": "remy"}, timeout=30)
    assert r.status_code == 200, r.text
    return pid, video


def _draw(mf_server, user: str, video: dict, label: str, box_at) -> int:
    """One masklet drawn by `user`: box_at(frame) -> (x0, y0, x1, y1) on every frame."""
    h, w = video["height"], video["width"]
    ws = _ws_session(mf_server, user, video["id"])
    try:
        inbox: list = []
        ack = _request(ws, {"type": "object.create", "label": label, "name": f"{label} ({user})"}, "c", inbox)
        while not any(m["type"] == "object.created" and m["seq"] == ack["seq"] for m in inbox):
            inbox.append(json.loads(ws.recv(timeout=30)))
        oid = next(m["object"]["id"] for m in inbox if m["type"] == "object.created" and m["seq"] == ack["seq"])
        for f in range(FRAMES):
            x0, y0, x1, y1 = box_at(f)
            m = np.zeros((h, w), bool)
            m[y0:y1, x0:x1] = True
            _request(ws, {"type": "prompt.mask", "object_id": oid, "frame": f, "rle": _encode(m)}, f"m{f}")
    finally:
        ws.close()
    return oid


def test_two_annotators_consensus_table_keep_one(mf_server, desk, open_as):
    pid, video = desk
    vid = video["id"]
    base = mf_server.base
    # The owner names a second annotator on the project page (the assignee is not offered).
    owner = open_as("cleo", f"/projects/{pid}")
    picker = owner.locator(f"[data-testid=video-card][data-video-id='{vid}'] select[data-testid=video-second-assignee]")
    expect(picker.locator("option[value=nia]")).to_have_count(0)
    picker.select_option("omar")
    wait_for(lambda: mf_server.api("cleo").get(f"{base}/api/videos/{vid}/", timeout=30).json()["second_assignee"] == "omar")
    expect(picker).to_have_value("omar")
    # The second annotator finds the video in My work, to annotate.
    work = mf_server.api("omar").get(f"{base}/api/me/work/", timeout=30).json()
    row = next(v for p in work for v in p["videos"] if v["id"] == vid)
    assert row["my_part"] == ["annotate"] and row["second_assignee"] == "omar"

    # Two sets: both draw the car alike; omar's person drifts further right frame by frame.
    car_n = _draw(mf_server, "nia", video, "car", lambda f: (40 + 4 * f, 60, 110 + 4 * f, 120))
    person_n = _draw(mf_server, "nia", video, "person", lambda f: (200, 40, 240, 150))
    car_o = _draw(mf_server, "omar", video, "car", lambda f: (42 + 4 * f, 60, 112 + 4 * f, 121))
    person_o = _draw(mf_server, "omar", video, "person", lambda f: (200 + 2 * f, 45, 240 + 2 * f, 150))
    # Masks are stored by the inference side after the ack: wait until all 4 x FRAMES are in.
    wait_for(lambda: sum(len(t["mask_frames"]) for t in mf_server.api("remy").get(
        f"{base}/api/videos/{vid}/timeline/", timeout=30).json()) == 4 * FRAMES, timeout=120)
    api = mf_server.api("remy").get(f"{base}/api/videos/{vid}/consensus/", timeout=60).json()
    assert [(p["a_id"], p["b_id"]) for p in api["pairs"]] == [(person_n, person_o), (car_n, car_o)]

    annotator = open_as("nia", f"/videos/{vid}?frame=6")
    wait_live(annotator)
    expect(annotator.locator("[data-testid=object-row]")).to_have_count(4)

    page = open_as("remy", f"/videos/{vid}?frame=6")
    wait_live(page)
    section = page.locator("[data-testid=consensus]")
    section.locator("summary").click()
    expect(page.locator("[data-testid=consensus-b]")).to_have_value("omar")
    expect(page.locator("[data-testid=consensus-a]")).to_have_value("nia")
    page.click("[data-testid=consensus-run]")
    rows = page.locator("[data-testid=consensus-pair]")
    expect(rows).to_have_count(2)
    # Worst first, with the server's (the evaluation code's) J&F.
    expect(rows.nth(0)).to_have_attribute("data-a", str(person_n))
    jf = [f"{100 * p['JF']:.1f}" for p in api["pairs"]]
    expect(page.locator("[data-testid=consensus-jf]")).to_have_text(jf)
    assert api["pairs"][0]["JF"] < api["pairs"][1]["JF"] < 1

    # A pair's J&F per frame, in the evaluate drawer's plot.
    rows.nth(0).click()
    frames = page.locator("[data-testid=consensus-frames]")
    expect(frames.locator("[data-testid=jf-plot]")).to_be_visible()
    expect(frames).to_contain_text("J&F of this pair")
    section.scroll_into_view_if_needed()
    page.eval_on_selector("[data-testid=consensus]", "el => el.scrollIntoView({block: 'start'})")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "consensus.png"))

    # Keep nia's person (A); omar's goes, live, in nia's open editor too.
    rows.nth(0).locator("[data-testid=keep-a]").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-a", str(car_n))
    expect(annotator.locator("[data-testid=object-row]")).to_have_count(3)
    expect(annotator.locator(f"[data-testid=object-row][data-object-id='{person_o}']")).to_have_count(0)
    objs = {o["id"]: o for o in mf_server.api("cleo").get(f"{base}/api/videos/{vid}/objects/", timeout=30).json()}
    assert person_o not in objs and objs[person_n]["review_status"] == "accepted"
    expect(page.locator("[data-testid=comment-thread]").filter(has_text="Consensus: kept over")).to_have_count(1)
    assert not page.errors and not annotator.errors  # type: ignore[attr-defined]
