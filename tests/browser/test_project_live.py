"""The project page is live (issue 16): with two project pages open, the lead's changes on one
(assignee, stage) and through REST (reviewer, a rename, a new upload, a delete) show on the
other without a reload, over /ws/projects/<id>/."""
import json

import pytest
from playwright.sync_api import expect

from .conftest import ROOT

pytestmark = pytest.mark.browser

TEAM = {"pia": "owner", "pat": "annotator", "paz": "reviewer"}


@pytest.fixture(scope="module")
def live_project(mf_server, tmp_path_factory):
    from webapp.videos.synthetic import write_video

    pid = mf_server.team_project(TEAM, "live", "Live desk", ["disc"])
    clips = tmp_path_factory.mktemp("live")
    video = mf_server.upload("pia", pid, write_video(clips / "harbour.mp4", num_frames=6, width=160, height=120))
    return pid, video, clips


def test_the_leads_changes_reach_another_project_page_without_a_reload(mf_server, live_project, open_as):
    from webapp.videos.synthetic import write_video

    pid, video, clips = live_project
    vid = video["id"]
    lead = open_as("pia", f"/projects/{pid}")
    watcher = open_as("pat", f"/projects/{pid}")
    # What page B's project socket receives (listening from a fresh load of the page).
    frames: list[str] = []
    watcher.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f))
               if f"/ws/projects/{pid}/" in ws.url else None)
    watcher.reload()
    for page in (lead, watcher):
        expect(page.locator("[data-testid=project-live]")).to_have_attribute("data-state", "open", timeout=20_000)
    watcher.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads
    card = watcher.locator(f"[data-testid=video-card][data-video-id='{vid}']")
    expect(card.locator("[data-testid=video-assignee]")).to_have_text("—")

    # On page A the lead picks the annotator and moves the stage; page B follows.
    lead_card = lead.locator(f"[data-testid=video-card][data-video-id='{vid}']")
    lead_card.locator("select[data-testid=video-assignee]").select_option("pat")
    expect(card.locator("[data-testid=video-assignee]")).to_have_text("pat", timeout=10_000)
    lead_card.locator("select[data-testid=video-stage]").select_option("review")
    expect(card.locator("[data-testid=video-stage]")).to_have_text("In review", timeout=10_000)

    # Through REST: the reviewer and a new name.
    api, base = mf_server.api("pia"), mf_server.base
    r = api.patch(f"{base}/api/videos/{vid}/", json={"reviewer": "paz", "name": "harbour-night.mp4"}, timeout=30)
    assert r.status_code == 200, r.text
    expect(card.locator("[data-testid=video-reviewer]")).to_have_text("paz", timeout=10_000)
    expect(card.locator(".video-title")).to_have_text("harbour-night.mp4")
    # ...and page A, which made none of these REST changes, shows them too.
    expect(lead_card.locator("select[data-testid=video-reviewer]")).to_have_value("paz", timeout=10_000)

    # A new upload appears and turns ready; a deleted video goes.
    added = mf_server.upload("pia", pid, write_video(clips / "pier.mp4", num_frames=4, width=160, height=120))
    new_card = watcher.locator(f"[data-testid=video-card][data-video-id='{added['id']}']")
    expect(new_card).to_have_attribute("data-status", "ready", timeout=15_000)
    assert api.delete(f"{base}/api/videos/{vid}/", timeout=30).status_code == 204
    expect(card).to_have_count(0, timeout=10_000)
    expect(watcher.locator("[data-testid=video-card]")).to_have_count(1)

    assert watcher.evaluate("() => window.__sameDocument === true"), "page B was reloaded"
    got = [m for m in map(json.loads, frames) if m["type"] != "pong"]
    assert {"type": "video.updated", "video_id": vid, "assignee": "pat", "stage": "annotate"}.items() <= got[0].items()
    kinds = [(m["type"], m["video_id"]) for m in got]
    assert ("video.created", added["id"]) in kinds and ("video.ready", added["id"]) in kinds
    assert kinds[-1] == ("video.deleted", vid)
    assert watcher.errors == [] and lead.errors == []
    watcher.screenshot(path=str(ROOT / "var" / "project-live.png"))
