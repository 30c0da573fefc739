"""End-to-end: projects list, upload with progress and errors, team, labels and exports."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_create_project_from_the_projects_list(mf_server, seed, open_as):
    page = open_as("alice", "/")
    page.wait_for_selector("[data-testid=project-card]")
    page.click("[data-testid=new-project]")
    page.fill("input[name=project-name]", "Harbour cameras")
    page.fill("input[name=project-labels]", "boat, buoy")
    page.click("button:has-text('Create project')")
    page.wait_for_url("**/projects/*")
    expect(page.locator("h1")).to_have_text("Harbour cameras")
    expect(page.locator("[data-testid=label-row] .label-name")).to_have_text(["boat", "buoy"])
    expect(page.locator("[data-testid=member-row] .member-name")).to_have_text(["alice"])


def test_upload_through_the_ui_shows_progress_and_becomes_ready(mf_server, seed, open_as, tmp_path):
    from webapp.videos.synthetic import write_video

    page = open_as("alice", f"/projects/{seed.project_id}")
    page.wait_for_selector("[data-testid=video-card]")
    before = page.locator("[data-testid=video-card]").count()
    # Watch the progress bar's values: a fast local upload must still report progress.
    page.evaluate("""() => { window.__progress = [];
      new MutationObserver(() => document.querySelectorAll('[data-testid=upload-progress]')
        .forEach((el) => window.__progress.push(Number(el.getAttribute('aria-valuenow')))))
        .observe(document.body, {subtree: true, childList: true, attributes: true}); }""")
    clip = write_video(tmp_path / "uploaded-by-ui.mp4", num_frames=12, width=320, height=240)
    page.set_input_files("[data-testid=upload-input]", str(clip))
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=video-card]').length === {before + 1}",
                           timeout=60_000)
    card = page.locator("[data-testid=video-card]:has-text('uploaded-by-ui.mp4')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=video-card]')].some("
        "(c) => c.textContent.includes('uploaded-by-ui.mp4') && c.dataset.status === 'ready')",
        timeout=90_000,
    )
    assert "12 frames" in card.inner_text()
    assert max(page.evaluate("() => window.__progress")) == 100
    # The ready card opens the editor.
    card.locator("a").click()
    page.wait_for_url("**/videos/*")
    page.wait_for_selector("[data-testid=frame-canvas][data-frame='0']")


def test_upload_of_a_non_video_shows_the_servers_message(mf_server, seed, open_as, tmp_path):
    page = open_as("alice", f"/projects/{seed.project_id}")
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video\n" * 50)
    page.set_input_files("[data-testid=upload-input]", str(bogus))
    err = page.wait_for_selector("[data-testid=upload-error]", timeout=30_000)
    text = err.inner_text()
    assert text.startswith("Not accepted:") and len(text) > len("Not accepted: ") + 5


def test_export_with_format_choice_progress_and_download(mf_server, seed, open_as):
    page = open_as("alice", f"/projects/{seed.project_id}")
    page.select_option("[data-testid=export-format]", "coco")
    page.click("[data-testid=export-start]")
    row = page.wait_for_selector("[data-testid=export-row][data-status=done]", timeout=90_000)
    assert row.inner_text().startswith("coco")
    href = page.locator("[data-testid=export-row][data-status=done] a").first.get_attribute("href")
    body = page.context.request.get(mf_server.base + href if href.startswith("/") else href).body()
    assert body[:2] == b"PK"  # a zip


def test_members_and_labels_are_managed_from_the_project_page(mf_server, seed, open_as):
    page = open_as("alice", f"/projects/{seed.project_id}")
    page.wait_for_selector("[data-testid=member-row]")
    # Change vera from viewer to reviewer and back, through the role select.
    select = page.locator("select[aria-label='Role of vera']")
    select.select_option("reviewer")
    page.wait_for_timeout(500)
    members = mf_server.api("alice").get(f"{mf_server.base}/api/projects/{seed.project_id}/members/").json()
    assert {m["username"]: m["role"] for m in members}["vera"] == "reviewer"
    select.select_option("viewer")
    page.wait_for_timeout(500)
    # Add a label class.
    page.fill("input[name=label-name]", "cyclist")
    page.click("form.inline-form:has(input[name=label-name]) button")
    page.wait_for_selector("[data-testid=label-row]:has-text('cyclist')")
    project = mf_server.api("alice").get(f"{mf_server.base}/api/projects/{seed.project_id}/").json()
    assert "cyclist" in [l["name"] for l in project["labels"]]
    members = mf_server.api("alice").get(f"{mf_server.base}/api/projects/{seed.project_id}/members/").json()
    assert {m["username"]: m["role"] for m in members}["vera"] == "viewer"
