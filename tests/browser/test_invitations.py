"""Invitations end to end: the staff lead invites a new user from the Team card, hands over the
one-time link, and the invitee opens it in a fresh browser, sets a password, is signed in and
sees the project; the same link then no longer works."""
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, VIEWPORT

SHOTS = ROOT / "docs" / "screenshots"
IVY_PW = "Tq9-ivy-harbour"


def test_staff_lead_invites_and_the_invitee_sets_a_password(mf_server, browser, open_as):
    base = mf_server.base
    r = mf_server.api("admin").post(f"{base}/api/projects/", json={"name": "Invite desk", "labels": ["car"]},
                                    timeout=30)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]

    lead = open_as("admin", f"/projects/{pid}")  # the superuser: staff, and the project's owner
    card = lead.locator("[data-testid=team-card]")
    card.locator("[data-testid=invite-open]").click()
    card.locator("input[name=invite-username]").fill("ivy")
    card.locator("input[name=invite-email]").fill("ivy@example.org")
    card.locator("select[name=invite-role]").select_option("annotator")
    card.locator("button:has-text('Create invite link')").click()
    box = card.locator("[data-testid=one-time-link]")
    expect(box).to_have_attribute("aria-label", "Invitation for ivy (annotator)")
    expect(card.locator("[data-testid=member-row]:has-text('ivy')")).to_contain_text("annotator")
    url = card.locator("[data-testid=one-time-link-url]").input_value()
    assert url.startswith(f"{base}/reset/"), url
    expect(box).to_contain_text("It works once, for 72 hours.")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "team-invite-link.png"))
    # Staff see a reset action on the other members (not on themselves).
    expect(card.locator("[data-testid=member-reset-password]")).to_have_count(1)
    assert not lead.errors, lead.errors

    # The invitee: a fresh browser, nobody signed in.
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.goto(url)
        expect(page.locator("[data-testid=reset-for]")).to_have_text(
            "Welcome, ivy. Choose a password to finish your account.")
        page.fill("input[name=new_password]", "12345")
        page.fill("input[name=new_password2]", "12345")
        page.click("[data-testid=reset-form] button[type=submit]")
        expect(page.locator("[data-testid=reset-error]")).to_contain_text("This password is too short.")
        page.screenshot(path=str(SHOTS / "set-password.png"))
        page.fill("input[name=new_password]", IVY_PW)
        page.fill("input[name=new_password2]", IVY_PW)
        page.click("[data-testid=reset-form] button[type=submit]")
        page.wait_for_url(f"{base}/")
        expect(page.locator("[data-testid=toast-success]")).to_contain_text("Welcome, ivy: your password is set.")
        expect(page.get_by_text("Invite desk")).to_be_visible()
        expect(page.locator("[data-testid=user-menu]")).to_contain_text("ivy")
    finally:
        ctx.close()

    # The link worked once.
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.goto(url)
        expect(page.locator("[data-testid=reset-link-error]")).to_contain_text("this link is not valid")
        expect(page.locator("input[name=new_password]")).to_have_count(0)
    finally:
        ctx.close()
    r = mf_server.api("admin").get(f"{base}/api/projects/{pid}/members/", timeout=30)
    assert {m["username"]: m["role"] for m in r.json()} == {"admin": "owner", "ivy": "annotator"}
