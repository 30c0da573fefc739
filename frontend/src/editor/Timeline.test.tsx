// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ObjectOut } from "../protocol/messages";
import type { Track } from "./store";
import Timeline from "./Timeline";

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});
afterEach(cleanup);

const many: ObjectOut[] = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1, label: null, name: `object ${i + 1}`, color: "#3cb44b", review_status: "draft", seq: i + 1,
}));
const tracks = new Map<number, Track>(many.map((o) => [o.id, { maskFrames: new Set([o.id * 100]), promptFrames: new Set() }]));

function timeline(frame = 0, selected: number | null = null) {
  return (
    <Timeline numFrames={10000} frame={frame} objects={many} tracks={tracks} selected={selected} users={[]} you={null}
      version={1} propagatingFrame={null} onSeek={() => {}} onSelect={() => {}} />
  );
}

describe("Timeline with 10,000 frames and 50 objects", () => {
  it("renders only the visible rows, and scrolls the selected one into them", () => {
    const { rerender } = render(timeline());
    const shown = screen.getAllByTestId("track");
    expect(shown.length).toBeLessThanOrEqual(10);
    expect(shown[0].dataset.objectId).toBe("1");
    rerender(timeline(0, 40));
    const body = document.querySelector(".timeline-body") as HTMLDivElement;
    expect(body.scrollTop).toBeGreaterThan(30 * 26);
    fireEvent.scroll(body);
    expect(screen.getAllByTestId("track").some((t) => t.dataset.objectId === "40")).toBe(true);
  });

  it("zooms with + and -, follows the playhead and collapses", () => {
    const { rerender } = render(timeline());
    const tl = screen.getByTestId("timeline");
    expect(tl.dataset.span).toBe("10000");
    act(() => {
      fireEvent.keyDown(window, { key: "+" });
    });
    act(() => {
      fireEvent.keyDown(window, { key: "+" });
    });
    const span = Number(tl.dataset.span);
    expect(span).toBeLessThan(5000);
    rerender(timeline(9000));
    expect(Number(tl.dataset.start)).toBeGreaterThan(9000 - span);
    expect(Number(tl.dataset.start)).toBeLessThanOrEqual(9000);
    act(() => {
      fireEvent.keyDown(window, { key: "-" });
    });
    expect(Number(tl.dataset.span)).toBeGreaterThan(span);
    fireEvent.click(screen.getByTestId("timeline-collapse"));
    expect(screen.queryAllByTestId("track")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("timeline-collapse"));
    expect(screen.getAllByTestId("track").length).toBeGreaterThan(0);
  });
});
