"""End-to-end team workflow (issue 16) in Chromium: an owner assigns a video, an annotator
labels it and submits, the reviewer looks at flags, rejects a masklet with a comment and sends
the video back, the annotator sees the comment live and fixes, the reviewer accepts and marks
it done, and an accepted-only export holds only the accepted masklet. Also: a role change
reaches an open editor, the analytics dashboard and My work, with screenshots."""
import io
import json
import time
import zipfile

import pytest
import requests
from playwright.sync_api import expect

from .conftest import PASSWORDS, ROOT, wait_live
from .test_editor_collaboration import click_video

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
TEAM = {"olga": "owner", "ann": "annotator", "andy": "annotator", "rita": "reviewer"}


@pytest.fixture(scope="module")
def team(mf_server, tmp_path_factory):
    from webapp.videos.synthetic import write_video

    pid = mf_server.team_project(TEAM, "16", "Review desk", ["disc", "box"])
    clip = write_video(tmp_path_factory.mktemp("team") / "crossing-review.mp4", num_frames=24, width=480, height=270)
    video = mf_server.upload("olga", pid, clip)
    return pid, video


def _video(mf_server, vid):
    return mf_server.api("olga").get(f"{mf_server.base}/api/videos/{vid}/", timeout=30).json()


def _objects(mf_server, vid):
    return {o["id"]: o for o in mf_server.api("olga").get(f"{mf_server.base}/api/videos/{vid}/objects/", timeout=30).json()}


def _new_object(page, before: set[str]) -> str:
    """Waits for an object row that was not there before; returns its id."""
    page.wait_for_function(
        "(n) => document.querySelectorAll('[data-testid=object-row]').length > n", arg=len(before), timeout=90_000)
    ids = set(page.eval_on_selector_all("[data-testid=object-row]", "els => els.map(e => e.dataset.objectId)"))
    (new,) = ids - before
    return new


def _select(page, oid: str) -> None:
    row = page.locator(f"[data-testid=object-row][data-object-id='{oid}']")
    if "selected" not in (row.get_attribute("class") or ""):
        row.locator(".swatch").click()
    page.wait_for_function(
        f"() => document.querySelector(\"[data-testid=object-row][data-object-id='{oid}']\").classList.contains('selected')")


def test_assign_annotate_review_reject_fix_accept_export(mf_server, team, open_as):
    pid, video = team
    vid = video["id"]
    base = mf_server.base

    # 1. The owner assigns ann and rita from the project page.
    owner = open_as("olga", f"/projects/{pid}")
    card = owner.locator(f"[data-testid=video-card][data-video-id='{vid}']")
    card.locator("select[data-testid=video-assignee]").select_option("ann")
    expect(card.locator("select[data-testid=video-assignee]")).to_have_value("ann")
    card.locator("select[data-testid=video-reviewer]").select_option("rita")
    expect(card.locator("select[data-testid=video-reviewer]")).to_have_value("rita")
    # Only members whose role may annotate are offered as annotators.
    offered = card.locator("select[data-testid=video-assignee] option").all_inner_texts()
    assert "rita" not in offered and {"ann", "andy", "olga"} <= set(offered)
    v = _video(mf_server, vid)
    assert (v["assignee"], v["reviewer"], v["stage"]) == ("ann", "rita", "annotate")
    owner.screenshot(path=str(SHOTS / "assignments.png"))

    # 2. ann finds it under My work and opens it.
    ann = open_as("ann", "/me/work")
    row = ann.locator(f"[data-testid=work-row][data-video-id='{vid}']")
    expect(row).to_contain_text("to annotate")
    expect(row).to_contain_text("0 / 24 frames")
    row.locator("a").click()
    ann.wait_for_url(f"**/videos/{vid}*")
    wait_live(ann)
    expect(ann.locator("[data-testid=stage]")).to_have_text("Annotating")

    # A click on the disc (frame 0) makes masklet A; andy (the other annotator) adds masklet B.
    click_video(ann, 0.22, 0.33)
    obj_a = _new_object(ann, set())
    andy = open_as("andy", f"/videos/{vid}?frame=5")
    wait_live(andy)
    andy.wait_for_selector(f"[data-testid=object-row][data-object-id='{obj_a}']")
    andy.keyboard.press("Escape")
    click_video(andy, 0.7, 0.7)
    obj_b = _new_object(andy, {obj_a})
    # ann propagates A so the flags have a track to score.
    _select(ann, obj_a)
    ann.click("[data-testid=propagate-forward]")
    ann.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=propagation]');"
        " return el && el.dataset.running === '0' && Number(el.dataset.total) > 0; }", timeout=120_000)
    ann.click("[data-testid=submit-review]")
    expect(ann.locator("[data-testid=stage]")).to_have_text("In review")
    assert _video(mf_server, vid)["stage"] == "review"

    # 3. rita reviews: her own mode, no mask tools, flags and the review queue.
    rita = open_as("rita", f"/videos/{vid}")
    wait_live(rita)
    expect(rita.locator("[data-testid=review-only]")).to_contain_text("Review")
    assert rita.locator("[data-testid=view-only]").count() == 0
    assert rita.locator("[data-testid=tool-brush]").count() == 0
    expect(rita.locator("[data-testid=stage]")).to_have_text("In review")
    flags = mf_server.api("rita").get(f"{base}/api/videos/{vid}/flags/", timeout=30).json()
    flagged = sorted({f["frame"] for f in flags if str(f["object_id"]) in (obj_a, obj_b)})
    expect(rita.locator("[data-testid=review-counts]")).to_contain_text(f"{len(flagged)} flagged")
    if flagged:
        rita.wait_for_function(f"() => document.querySelectorAll('[data-testid=mark-flag]').length > 0")
        rita.keyboard.press("f")
        rita.wait_for_selector(f"[data-testid=frame-canvas][data-frame='{flagged[0] if flagged[0] > 0 else flagged[1 % len(flagged)]}']")
        expect(rita.locator("[data-testid=flag-here]")).to_be_visible()
    # R steps through the frames that need a look: the prompted frame 0 of unaccepted A is one.
    rita.keyboard.press("Home")
    rita.keyboard.press("Shift+R")
    expect(rita.locator("[data-testid=review-stop]")).to_contain_text("Stop")

    # Reject A with a comment, pin a general comment to a point, send the video back.
    rita.keyboard.press("Home")
    _select(rita, obj_a)
    rita.fill("[data-testid=decision-comment]", "The mask leaks into the background on the left")
    rita.click("[data-testid=reject]")
    expect(rita.locator("[data-testid=decision-status]")).to_have_text("rejected")
    rita.keyboard.press("m")
    click_video(rita, 0.5, 0.5)
    expect(rita.locator("[data-testid=comment-point]")).to_contain_text("Point 240,135")
    expect(rita.locator("[data-testid=comment-pin-pending]")).to_have_count(1)
    rita.fill("[data-testid=comment-text]", "Check this region too")
    rita.click("[data-testid=comment-post]")
    expect(rita.locator("[data-testid=comment-thread]")).to_have_count(2)
    # The pinned comment shows on its frame, at its point (seen by ann too, live).
    expect(rita.locator("[data-testid=comment-pin]")).to_have_count(1)
    assert rita.locator("[data-testid=comment-pin]").get_attribute("transform") == "translate(240 135)"
    rita.wait_for_selector("[data-testid=mark-comment]")
    rita.eval_on_selector("[data-testid=review-panel]", "el => el.scrollIntoView({block: 'start'})")
    rita.screenshot(path=str(SHOTS / "review-panel.png"))
    rita.click("[data-testid=send-back]")
    rita.fill("[data-testid=send-back-reason]", "Masklet A needs fixing, see the comments")
    rita.click("[data-testid=send-back-confirm]")
    expect(rita.locator("[data-testid=stage]")).to_have_text("Annotating")

    # 4. ann sees it all live, without a reload: the stage, the reason, the rejected comment.
    expect(ann.locator("[data-testid=stage]")).to_have_text("Annotating")
    expect(ann.locator("[data-testid=sent-back-reason]")).to_contain_text("Masklet A needs fixing")
    thread = ann.locator("[data-testid=comment-thread]", has_text="leaks into the background")
    expect(thread).to_contain_text("rejected")
    # My work says what is left for her: the video to fix, a rejected masklet, open comments.
    work = open_as("ann", "/me/work")
    row = work.locator(f"[data-testid=work-row][data-video-id='{vid}']")
    expect(row).to_contain_text("to fix")
    expect(row).to_contain_text("1 rejected")
    expect(row).to_contain_text("2 open")
    work.screenshot(path=str(SHOTS / "my-work.png"))
    # She replies, resolves it, fixes A with another click and submits again.
    thread.locator("[data-testid=reply]").click()
    ann.fill("[data-testid=reply-text]", "Fixed with a negative click")
    ann.keyboard.press("Enter")
    expect(thread.locator("[data-testid=comment-reply]")).to_contain_text("Fixed with a negative click")
    ann.keyboard.press("Home")
    _select(ann, obj_a)
    n_prompts = len(mf_server.api("ann").get(f"{base}/api/videos/{vid}/prompts/", timeout=30).json())
    click_video(ann, 0.05, 0.9, button="right")
    deadline = time.monotonic() + 60
    while len(mf_server.api("ann").get(f"{base}/api/videos/{vid}/prompts/", timeout=30).json()) == n_prompts:
        assert time.monotonic() < deadline, "the fix click was not stored"
        time.sleep(0.3)
    thread.locator("[data-testid=resolve]").click()
    expect(rita.locator("[data-testid=comment-thread]", has_text="leaks into the background")).to_have_count(0)
    ann.click("[data-testid=submit-review]")
    # rita's editor follows live.
    expect(rita.locator("[data-testid=stage]")).to_have_text("In review")

    # 5. rita accepts A and marks the video done.
    _select(rita, obj_a)
    rita.click("[data-testid=accept]")
    expect(rita.locator("[data-testid=decision-status]")).to_have_text("accepted")
    rita.click("[data-testid=mark-done]")
    expect(rita.locator("[data-testid=stage]")).to_have_text("Done")
    expect(ann.locator("[data-testid=stage]")).to_have_text("Done")
    objs = _objects(mf_server, vid)
    assert objs[int(obj_a)]["review_status"] == "accepted"
    assert objs[int(obj_b)]["review_status"] != "accepted"

    # 6. Export accepted masklets only: the zip has A's track and not B's.
    s = mf_server.api("olga")
    r = s.post(f"{base}/api/videos/{vid}/exports/", json={"format": "ytvis", "accepted_only": True}, timeout=30)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 120
    while (job := s.get(f"{base}/api/exports/{r.json()['id']}/", timeout=30).json())["status"] != "done":
        assert job["status"] != "failed" and time.monotonic() < deadline, job
        time.sleep(0.3)
    z = zipfile.ZipFile(io.BytesIO(s.get(f"{base}/api/exports/{job['id']}/download/", timeout=60).content))
    doc = json.loads(z.read(next(n for n in z.namelist() if n.endswith("annotations.json"))))
    assert len(doc["annotations"]) == 1
    assert any(seg for seg in doc["annotations"][0]["segmentations"])

    # The owner's project page shows the stage and people (re-read on focus).
    owner.reload()
    expect(card.locator("select[data-testid=video-stage]")).to_have_value("done")
    # My work for ann: done, 1/2 accepted.
    ann.goto(f"{base}/me/work")
    expect(ann.locator(f"[data-testid=work-row][data-video-id='{vid}']")).to_contain_text("1 / 2 accepted")
    for p in (owner, ann, rita, andy):
        assert not p.errors, p.errors


def test_role_change_reaches_an_open_editor_and_removal_shows_out(mf_server, team, open_as):
    pid, video = team
    vid = video["id"]
    base = mf_server.base
    olga = mf_server.api("olga")
    andy = open_as("andy", f"/videos/{vid}")
    wait_live(andy)
    andy.wait_for_selector("[data-testid=tool-brush]")
    r = olga.patch(f"{base}/api/projects/{pid}/members/andy/", json={"role": "reviewer"}, timeout=30)
    assert r.status_code == 200, r.text
    # Tools go, the reviewer's mode comes, without a reload.
    expect(andy.locator("[data-testid=review-only]")).to_be_visible()
    assert andy.locator("[data-testid=tool-brush]").count() == 0
    expect(andy.locator("[data-testid=review-decision]")).to_be_visible()
    r = olga.patch(f"{base}/api/projects/{pid}/members/andy/", json={"role": "annotator"}, timeout=30)
    assert r.status_code == 200, r.text
    andy.wait_for_selector("[data-testid=tool-brush]")
    r = olga.delete(f"{base}/api/projects/{pid}/members/andy/", timeout=30)
    assert r.status_code == 204, r.text
    expect(andy.locator("[data-testid=connection-closed]")).to_contain_text("removed from this project")
    assert andy.locator("[data-testid=tool-brush]").count() == 0
    assert andy.locator("[data-testid=comment-text]").count() == 0
    olga.post(f"{base}/api/projects/{pid}/members/", json={"username": "andy", "role": "annotator"}, timeout=30)


def test_analytics_dashboard_and_csv(mf_server, team, open_as):
    pid, _video = team
    page = open_as("olga", f"/projects/{pid}")
    page.click("[data-testid=analytics-link]")
    page.wait_for_url(f"**/projects/{pid}/analytics")
    page.wait_for_selector("[data-testid=kpis]")
    page.wait_for_selector("[data-testid=chart-days] canvas", timeout=30_000)
    page.wait_for_selector("[data-testid=chart-annotators] canvas")
    expect(page.locator("[data-testid=table-annotators]")).to_contain_text("ann")
    href = page.get_attribute("[data-testid=analytics-csv]", "href")
    body = page.context.request.get(mf_server.base + href).text()
    assert body.startswith("scope,id,name,annotation_seconds")
    assert "\nannotator," in body
    page.screenshot(path=str(SHOTS / "analytics.png"), full_page=True)
    assert not page.errors, page.errors


def test_team_card_autocomplete_rename_delete_and_password(mf_server, team, open_as):
    pid, _video = team
    base = mf_server.base
    admin = mf_server.api("admin")
    r = admin.post(f"{base}/api/users/", json={"username": "victor16", "password": "Tq9-harbour-lamp"}, timeout=30)
    assert r.status_code == 201, r.text
    page = open_as("olga", f"/projects/{pid}")
    # Member add: the name field suggests users (GET /api/users/?q=), members left out.
    page.fill("[data-testid=team-card] input[name=member-username]", "vic")
    page.click("[data-testid=user-suggestions] li:has-text('victor16')")
    expect(page.locator("[data-testid=team-card] input[name=member-username]")).to_have_value("victor16")
    page.click("[data-testid=team-card] button:has-text('Add')")
    page.wait_for_selector("[data-testid=member-row]:has-text('victor16')")
    page.fill("[data-testid=team-card] input[name=member-username]", "an")
    page.wait_for_timeout(600)
    assert "ann" not in page.locator("[data-testid=user-suggestions] li").all_inner_texts()
    # Not staff: no user creation, a hint instead.
    assert page.locator("[data-testid=create-user-open]").count() == 0
    # Rename.
    page.fill("input[name=project-rename]", "Review desk (renamed)")
    page.click("[data-testid=project-save]")
    expect(page.locator("h1")).to_have_text("Review desk (renamed)")
    # Password change from the user menu: a wrong current password is refused with the reason.
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=change-password]")
    page.fill("input[name=old_password]", "not-it")
    page.fill("input[name=new_password]", "Tq9-lantern-dock")
    page.fill("input[name=new_password2]", "Tq9-lantern-dock")
    page.click("[data-testid=password-dialog] button[type=submit]")
    expect(page.locator("[data-testid=password-error]")).to_contain_text("old_password")
    page.fill("input[name=old_password]", PASSWORDS["olga"])
    page.click("[data-testid=password-dialog] button[type=submit]")
    page.wait_for_selector("[data-testid=password-dialog]", state="detached")
    r = requests.post(f"{base}/api/auth/token/", json={"username": "olga", "password": "Tq9-lantern-dock"},
                      timeout=30)
    assert r.status_code == 200, r.text
    PASSWORDS["olga"] = "Tq9-lantern-dock"
    # Delete a throwaway project (owner only), typing its name to confirm.
    r = mf_server.api("olga").post(f"{base}/api/projects/", json={"name": "Scratch 16"}, timeout=30)
    scratch = r.json()["id"]
    page.goto(f"{base}/projects/{scratch}")
    page.once("dialog", lambda d: d.accept("Scratch 16"))
    page.click("[data-testid=project-delete]")
    page.wait_for_url(f"{base}/")
    assert mf_server.api("olga").get(f"{base}/api/projects/{scratch}/", timeout=30).status_code == 404
    # Staff see user creation and the admin link.
    staff = open_as("admin", f"/projects/{pid}")
    staff.click("[data-testid=user-menu]")
    expect(staff.locator("[data-testid=admin-link]")).to_have_attribute("href", "/admin/")
    assert not page.errors, page.errors
