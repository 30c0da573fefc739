// @vitest-environment jsdom
import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Video } from "../../api/types";
import type { SocketLike } from "../../protocol/client";
import type { ServerMessage } from "../../protocol/messages";
import { applyFeed, projectSocketUrl, useProjectFeed } from "./projectFeed";

const video = (id: number, extra: Partial<Video> = {}): Video => ({
  id,
  project: 1,
  name: `v${id}.mp4`,
  status: "ready",
  progress: 100,
  error: "",
  warning: "",
  num_frames: 10,
  fps: 10,
  width: 64,
  height: 48,
  duration: 1,
  created_at: "2026-01-01T00:00:00Z",
  assignee: null,
  reviewer: null,
  second_assignee: null,
  stage: "annotate",
  ...extra,
});

const updated = (video_id: number, extra: object = {}): ServerMessage => ({
  type: "video.updated",
  video_id,
  assignee: "pat",
  reviewer: "paz",
  stage: "review",
  by: "pia",
  ...extra,
});

describe("applyFeed", () => {
  it("puts a video.updated's stage, people and name on that video only", () => {
    const list = [video(1), video(2, { assignee: "old" })];
    const r = applyFeed(list, updated(2, { second_assignee: "pam", name: "renamed.mp4" }));
    expect(r.reloadVideos).toBe(false);
    expect(r.videos![0]).toBe(list[0]);
    expect(r.videos![1]).toMatchObject({ assignee: "pat", reviewer: "paz", second_assignee: "pam", stage: "review", name: "renamed.mp4" });
    expect(list[1].assignee).toBe("old"); // not mutated
  });

  it("keeps the name when the message has none and clears a dropped second annotator", () => {
    const r = applyFeed([video(1, { second_assignee: "pam" })], updated(1));
    expect(r.videos![0]).toMatchObject({ name: "v1.mp4", second_assignee: null });
  });

  it("reads the list again for a video it does not show, or before it has one", () => {
    const list = [video(1)];
    expect(applyFeed(list, updated(9))).toEqual({ videos: list, reloadVideos: true, reloadProject: false, reloadMembers: false });
    expect(applyFeed(null, updated(1)).reloadVideos).toBe(true);
  });

  it("drops a deleted video without a read", () => {
    const r = applyFeed([video(1), video(2)], { type: "video.deleted", video_id: 1, name: "v1.mp4" });
    expect(r.videos!.map((v) => v.id)).toEqual([2]);
    expect(r.reloadVideos).toBe(false);
  });

  it("reads the list for a new video and a decode's end, changing nothing before the read", () => {
    const list = [video(1, { status: "processing", progress: 40 })];
    const read = { videos: list, reloadVideos: true, reloadProject: false, reloadMembers: false };
    expect(applyFeed(list, { type: "video.created", video_id: 3, name: "n.mp4", by: "pia" })).toEqual(read);
    // "ready" before the read would show a video of 0 frames for a moment.
    expect(applyFeed(list, { type: "video.ready", video_id: 1, name: "v1.mp4" })).toEqual(read);
    expect(applyFeed(list, { type: "video.failed", video_id: 1, name: "v1.mp4", error: "not a video" })).toEqual(read);
  });

  it("re-reads the project and team when the user's role changed, the team when it changed, and ignores the rest", () => {
    const list = [video(1)];
    expect(applyFeed(list, { type: "access.changed", role: "viewer" })).toEqual({ videos: list, reloadVideos: false, reloadProject: true, reloadMembers: true });
    expect(applyFeed(list, { type: "members.changed" })).toEqual({ videos: list, reloadVideos: false, reloadProject: false, reloadMembers: true });
    expect(applyFeed(list, { type: "pong" })).toEqual({ videos: list, reloadVideos: false, reloadProject: false, reloadMembers: false });
  });

  it("builds the socket's URL from the page's", () => {
    expect(projectSocketUrl(7, { protocol: "https:", host: "mf.example" })).toBe("wss://mf.example/ws/projects/7/");
    expect(projectSocketUrl(7, { protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/ws/projects/7/");
  });
});

class FakeSocket implements SocketLike {
  readyState = 0;
  closedWith: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(public url: string) {}
  send() {}
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

describe("useProjectFeed", () => {
  let sockets: FakeSocket[];
  const factory = (url: string) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  };
  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  const mount = () => {
    const onMessage = vi.fn();
    const onOpen = vi.fn();
    const hook = renderHook(() => useProjectFeed(4, { onMessage, onOpen }, factory));
    return { hook, onMessage, onOpen };
  };

  it("opens the project's socket, hands over its messages and asks for a read on open", () => {
    const { hook, onMessage, onOpen } = mount();
    expect(sockets.map((s) => s.url)).toEqual([`ws://${window.location.host}/ws/projects/4/`]);
    expect(hook.result.current).toBe("connecting");
    act(() => sockets[0].serverOpen());
    expect(hook.result.current).toBe("open");
    expect(onOpen).toHaveBeenCalledTimes(1);
    act(() => sockets[0].serverSend(updated(3)));
    expect(onMessage).toHaveBeenCalledWith(expect.objectContaining({ type: "video.updated", video_id: 3 }));
  });

  it("reconnects with backoff after a drop and reads again once reopened", () => {
    const { hook, onOpen } = mount();
    act(() => sockets[0].serverOpen());
    act(() => sockets[0].serverClose(1006));
    expect(hook.result.current).toBe("reconnecting");
    act(() => vi.advanceTimersByTime(300));
    expect(sockets).toHaveLength(1); // still waiting (first delay 500 ms ± 20 %)
    act(() => vi.advanceTimersByTime(400));
    expect(sockets).toHaveLength(2);
    act(() => sockets[1].serverClose(1006)); // fails again: the wait doubles
    act(() => vi.advanceTimersByTime(700));
    expect(sockets).toHaveLength(2);
    act(() => vi.advanceTimersByTime(600));
    expect(sockets).toHaveLength(3);
    act(() => sockets[2].serverOpen());
    expect(hook.result.current).toBe("open");
    expect(onOpen).toHaveBeenCalledTimes(2);
  });

  it("stays closed after the server's refusal and closes the socket on unmount", () => {
    const { hook } = mount();
    act(() => sockets[0].serverOpen());
    act(() => sockets[0].serverClose(4403));
    expect(hook.result.current).toBe("failed");
    act(() => vi.advanceTimersByTime(60_000));
    expect(sockets).toHaveLength(1);
    cleanup();
    const again = mount();
    act(() => sockets[1].serverOpen());
    again.hook.unmount();
    expect(sockets[1].closedWith).toBe(1000);
  });
});
