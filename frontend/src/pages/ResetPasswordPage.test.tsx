// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "../components/auth";
import { ToastProvider } from "../components/toasts";
import ResetPasswordPage from "./ResetPasswordPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <ToastProvider>
        <AuthProvider>
          <Routes>
            <Route path="/reset/:uid/:token" element={<ResetPasswordPage />} />
            <Route path="/" element={<div data-testid="home">home</div>} />
            <Route path="/login" element={<div data-testid="login">login</div>} />
          </Routes>
        </AuthProvider>
      </ToastProvider>
    </MemoryRouter>,
  );
}

const type = (name: string, value: string) =>
  fireEvent.change(document.querySelector(`input[name=${name}]`)!, { target: { value } });

describe("ResetPasswordPage", () => {
  it("checks the link, refuses a mismatch, lists the validators' messages, then sets and signs in", async () => {
    const calls: Array<[string, string, unknown]> = [];
    let signedIn = false;
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? JSON.parse(String(init.body)) : null;
      calls.push([init?.method ?? "GET", url, body]);
      if (url === "/api/me/") return signedIn ? json({ id: 9, username: "ivy", email: "", is_staff: false }) : json({ detail: "no" }, 403);
      if (url.startsWith("/api/auth/password/reset/?")) return json({ username: "ivy", invited: true });
      if (url === "/api/auth/password/reset/") {
        if (body.new_password === "12345")
          return json({ detail: "new_password: too short", errors: { new_password: ["This password is too short.", "This password is entirely numeric."] } }, 400);
        return new Response(null, { status: 204 });
      }
      if (url === "/api/auth/login/") {
        signedIn = true;
        return json({ id: 9, username: "ivy", email: "", is_staff: false });
      }
      return json({ detail: "unexpected" }, 500);
    }));
    renderAt("/reset/OQ/c1-abc");
    expect((await screen.findByTestId("reset-for")).textContent).toBe("Welcome, ivy. Choose a password to finish your account.");
    expect(calls).toContainEqual(["GET", "/api/auth/password/reset/?uid=OQ&token=c1-abc", null]);

    type("new_password", "Tq9-orchard-lamp");
    type("new_password2", "Tq9-orchard-lam");
    fireEvent.click(screen.getByText("Set password and sign in"));
    expect((await screen.findByTestId("reset-error")).textContent).toBe("The two passwords do not match.");
    expect(calls.filter(([m]) => m === "POST")).toHaveLength(0);

    type("new_password", "12345");
    type("new_password2", "12345");
    fireEvent.click(screen.getByText("Set password and sign in"));
    await waitFor(() => expect(screen.getByTestId("reset-error").querySelectorAll("li")).toHaveLength(2));
    expect(screen.getByTestId("reset-error").textContent).toBe("This password is too short.This password is entirely numeric.");

    type("new_password", "Tq9-orchard-lamp");
    type("new_password2", "Tq9-orchard-lamp");
    fireEvent.click(screen.getByText("Set password and sign in"));
    await screen.findByTestId("home");
    expect(calls).toContainEqual(["POST", "/api/auth/password/reset/", { uid: "OQ", token: "c1-abc", new_password: "Tq9-orchard-lamp" }]);
    expect(calls).toContainEqual(["POST", "/api/auth/login/", { username: "ivy", password: "Tq9-orchard-lamp" }]);
    expect(screen.getByTestId("toast-success").textContent).toContain("Welcome, ivy: your password is set.");
  });

  it("shows why a link does not work, with no password form", async () => {
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      if (url === "/api/me/") return json({ detail: "no" }, 403);
      return json({ detail: "this link has expired (links last 72 hours); ask for a new link" }, 400);
    }));
    renderAt("/reset/OQ/old-token");
    expect((await screen.findByTestId("reset-link-error")).textContent).toBe("this link has expired (links last 72 hours); ask for a new link");
    expect(document.querySelector("input[name=new_password]")).toBeNull();
    expect(screen.getByText("Go to the sign-in page").getAttribute("href")).toBe("/login");
  });

  it("sends to the sign-in page when signing in afterwards fails", async () => {
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (url === "/api/me/") return json({ detail: "no" }, 403);
      if (url.startsWith("/api/auth/password/reset/?")) return json({ username: "ike", invited: false });
      if (url === "/api/auth/password/reset/") return new Response(null, { status: 204 });
      if (url === "/api/auth/login/" && init?.method === "POST") return json({ detail: "too many failed sign-ins." }, 429);
      return json({ detail: "unexpected" }, 500);
    }));
    renderAt("/reset/Mg/t-1");
    expect((await screen.findByTestId("reset-for")).textContent).toBe("Choose a new password for ike.");
    type("new_password", "Tq9-orchard-lamp");
    type("new_password2", "Tq9-orchard-lamp");
    fireEvent.click(screen.getByText("Set password and sign in"));
    await screen.findByTestId("login");
    expect(screen.getByTestId("toast-success").textContent).toContain("Your new password is set: sign in with it.");
  });
});
