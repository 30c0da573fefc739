// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me, Member, Project } from "../../api/types";
import { AuthProvider } from "../../components/auth";
import MembersCard from "./MembersCard";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const project = { id: 3, name: "P", description: "", labels: [], role: "admin", num_videos: 0, created_at: "" } as Project;
const members: Member[] = [
  { user_id: 1, username: "lead", role: "admin" },
  { user_id: 2, username: "ann", role: "annotator" },
];
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

function serve(me: Me, posted: Array<[string, unknown]>) {
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    if (url === "/api/me/") return json(me);
    if (init?.method === "POST") posted.push([url, init.body ? JSON.parse(String(init.body)) : null]);
    if (url === "/api/projects/3/invitations/") {
      const body = JSON.parse(String(init?.body));
      if (body.username === "ann") return json({ detail: "username: a user with that username already exists" }, 400);
      return json({ member: { user_id: 9, username: body.username, role: body.role }, invite_url: "http://x/reset/OQ/tok-1", expires_hours: 72 }, 201);
    }
    if (url === "/api/users/2/password-reset/") return json({ url: "http://x/reset/Mg/tok-2", expires_hours: 72 });
    return json({ detail: "unexpected" }, 500);
  }));
}

const renderCard = (onChange = vi.fn()) =>
  render(
    <AuthProvider>
      <MembersCard project={project} members={members} onChange={onChange} />
    </AuthProvider>,
  );

describe("MembersCard invitations and resets", () => {
  it("an admin invites a new user and sees the one-time link; a taken name gets the reason", async () => {
    const posted: Array<[string, unknown]> = [];
    serve({ id: 1, username: "lead", email: "", is_staff: false }, posted);
    const onChange = vi.fn();
    renderCard(onChange);
    fireEvent.click(await screen.findByTestId("invite-open"));
    // An admin cannot grant the owner role, so it is not offered.
    const roles = Array.from(screen.getByLabelText("Role of the new user").querySelectorAll("option")).map((o) => o.textContent);
    expect(roles).toEqual(["admin", "annotator", "reviewer", "viewer"]);
    fireEvent.change(screen.getByLabelText("New username"), { target: { value: "ann" } });
    fireEvent.click(screen.getByText("Create invite link"));
    expect((await screen.findByTestId("invite-error")).textContent).toBe("username: a user with that username already exists");
    fireEvent.change(screen.getByLabelText("New username"), { target: { value: " ivy " } });
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ivy@example.org" } });
    fireEvent.change(screen.getByLabelText("Role of the new user"), { target: { value: "reviewer" } });
    fireEvent.click(screen.getByText("Create invite link"));
    const box = await screen.findByTestId("one-time-link");
    expect(box.getAttribute("aria-label")).toBe("Invitation for ivy (reviewer)");
    expect((screen.getByTestId("one-time-link-url") as HTMLInputElement).value).toBe("http://x/reset/OQ/tok-1");
    expect(box.textContent).toContain("It works once, for 72 hours.");
    expect(posted.at(-1)).toEqual(["/api/projects/3/invitations/", { username: "ivy", role: "reviewer", email: "ivy@example.org" }]);
    expect(onChange).toHaveBeenCalled();
    // Not staff: no reset action, no password-based creation.
    expect(screen.queryAllByTestId("member-reset-password")).toHaveLength(0);
    expect(screen.queryByTestId("create-user-open")).toBeNull();
  });

  it("staff get a reset action on every member but themselves, with a copyable link", async () => {
    const posted: Array<[string, unknown]> = [];
    serve({ id: 1, username: "lead", email: "", is_staff: true }, posted);
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    renderCard();
    const buttons = await screen.findAllByTestId("member-reset-password");
    expect(buttons).toHaveLength(1);
    expect(buttons[0].getAttribute("aria-label")).toBe("Reset password of ann");
    fireEvent.click(buttons[0]);
    const box = await screen.findByTestId("one-time-link");
    expect(box.getAttribute("aria-label")).toBe("Password reset link for ann");
    expect(posted).toEqual([["/api/users/2/password-reset/", null]]);
    fireEvent.click(screen.getByTestId("one-time-link-copy"));
    await waitFor(() => expect(screen.getByTestId("one-time-link-copy").textContent).toBe("Copied"));
    expect(writeText).toHaveBeenCalledWith("http://x/reset/Mg/tok-2");
    expect(screen.getByTestId("admin-users-link").getAttribute("href")).toBe("/admin/auth/user/");
    fireEvent.click(screen.getByLabelText("Close the link"));
    expect(screen.queryByTestId("one-time-link")).toBeNull();
  });
});
