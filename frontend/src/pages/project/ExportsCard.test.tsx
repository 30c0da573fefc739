// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExportJob, Project, Video } from "../../api/types";
import { formatWhen } from "../../components/format";
import ExportsCard from "./ExportsCard";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const project = { id: 1, name: "P", description: "", labels: [], role: "owner", num_videos: 1, created_at: "" } as Project;
const video = { id: 5, project: 1, name: "street.mp4", status: "ready" } as Video;
const now = new Date();
const done: ExportJob = {
  id: 9, format: "davis", status: "done", progress: 100, error: "", download_url: "/api/exports/9/download/",
  created_at: now.toISOString(), finished_at: now.toISOString(), video: 5, size_bytes: 3 * 1024 * 1024,
  options: { include_frames: false, accepted_only: true },
};
const expired: ExportJob = { ...done, id: 8, download_url: null, expired: true, options: {} };

describe("ExportsCard", () => {
  it("shows each export's video, time, size, options and status, and sends the chosen options", async () => {
    const posted: unknown[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === "POST") {
        posted.push(JSON.parse(String(init.body)));
        return new Response(JSON.stringify({ id: 10, status: "queued" }), { status: 201 });
      }
      if (url === "/api/videos/5/exports/") return new Response(JSON.stringify([done, expired]));
      return new Response(JSON.stringify({ ...done, id: 10 }));
    }));
    render(<ExportsCard project={project} videos={[video]} />);
    await waitFor(() => expect(screen.getAllByTestId("export-row")).toHaveLength(2));
    const meta = screen.getAllByTestId("export-meta").map((m) => m.textContent);
    expect(meta[0]).toBe(`street.mp4 · ${formatWhen(done.finished_at)} · 3.0 MB · no frames · accepted only`);
    expect(screen.getAllByTestId("export-download")).toHaveLength(1);
    expect(screen.getByText(/zip was deleted/)).toBeTruthy();
    fireEvent.click(screen.getByTestId("export-accepted-only"));
    fireEvent.click(screen.getByTestId("export-include-frames"));
    fireEvent.click(screen.getByTestId("export-start"));
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toEqual({ format: "davis", accepted_only: true, include_frames: false });
  });
});

describe("formatWhen", () => {
  it("gives the time today and the date on other days", () => {
    const today = new Date(2026, 10, 3, 14, 5);
    const hm = (d: Date) => d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    expect(formatWhen(today.toISOString(), today)).toBe(hm(today));
    const before = new Date(2026, 10, 1, 9, 0);
    expect(formatWhen(before.toISOString(), today)).toBe(`${before.toLocaleDateString([], { day: "numeric", month: "short" })} ${hm(before)}`);
    expect(formatWhen(null)).toBe("");
  });
});
