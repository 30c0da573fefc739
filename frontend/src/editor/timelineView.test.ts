import { describe, expect, it } from "vitest";
import {
  clampWindow,
  drawTracks,
  firstRunFrom,
  followWindow,
  rulerTicks,
  trackRuns,
  zoomWindow,
} from "./timelineView";
import type { Track } from "./store";

function recorder() {
  const rects: number[][] = [];
  let paths = 0;
  const ctx = {
    fillStyle: "",
    strokeStyle: "",
    globalAlpha: 1,
    fillRect: (x: number, y: number, w: number, h: number) => rects.push([x, y, w, h]),
    beginPath: () => paths++,
    moveTo() {},
    lineTo() {},
    closePath() {},
    fill() {},
    stroke() {},
  } as unknown as CanvasRenderingContext2D;
  return { ctx, rects, paths: () => paths };
}

describe("timeline window", () => {
  it("zooms about the anchor, clamps to the video and never below 20 frames", () => {
    const w = zoomWindow({ start: 0, span: 10000 }, 10000, 0.1, 0.5);
    expect(w).toEqual({ start: 4500, span: 1000 });
    const tiny = zoomWindow(w, 10000, 0.0001, 0.5);
    expect(tiny.span).toBe(20);
    expect(clampWindow({ start: 9995, span: 100 }, 10000)).toEqual({ start: 9900, span: 100 });
    expect(clampWindow({ start: -5, span: 50000 }, 10000)).toEqual({ start: 0, span: 10000 });
  });

  it("follows the playhead: pages forward and back, stays put inside", () => {
    const w = { start: 1000, span: 100 };
    expect(followWindow(w, 10000, 1050)).toBe(w);
    expect(followWindow(w, 10000, 1100)).toEqual({ start: 1090, span: 100 });
    expect(followWindow(w, 10000, 999).start).toBeCloseTo(910);
    expect(followWindow(w, 10000, 0)).toEqual({ start: 0, span: 100 });
  });

  it("ticks only inside the window", () => {
    const t = rulerTicks({ start: 5000, span: 200 }, 1000);
    expect(t[0]).toBeGreaterThanOrEqual(5000);
    expect(t[t.length - 1]).toBeLessThan(5200);
    expect(t.length).toBeLessThan(20);
  });
});

describe("track drawing", () => {
  const dense: Track = { maskFrames: new Set(), promptFrames: new Set() };
  for (let f = 0; f < 10000; f += 2) dense.maskFrames.add(f); // 5000 one-frame runs
  for (let f = 0; f < 10000; f += 100) dense.promptFrames.add(f);

  it("builds sorted runs and finds the first run of a frame", () => {
    const t: Track = { maskFrames: new Set([7, 3, 4, 5, 10]), promptFrames: new Set() };
    const runs = trackRuns(t, 1);
    expect([...runs]).toEqual([3, 5, 7, 7, 10, 10]);
    expect(firstRunFrom(runs, 0)).toBe(0);
    expect(firstRunFrom(runs, 6)).toBe(1);
    expect(firstRunFrom(runs, 11)).toBe(3);
    t.maskFrames.add(6);
    expect([...trackRuns(t, 1)]).toEqual([3, 5, 7, 7, 10, 10]); // cached for that version
    expect([...trackRuns(t, 2)]).toEqual([3, 7, 10, 10]);
  });

  it("draws a zoomed-in window with only the runs and marks inside it", () => {
    const { ctx, rects, paths } = recorder();
    drawTracks(ctx, [{ track: dense, color: "#f00", selected: false }], { start: 5000, span: 100 }, 1000, 0, 26, 1);
    // background + 50 runs of the window (each 10 px apart, so not merged), 1-2 diamonds
    expect(rects.length).toBe(1 + 50);
    expect(paths()).toBe(1);
    for (const [x] of rects.slice(1)) expect(x).toBeGreaterThanOrEqual(0);
  });

  it("merges sub-pixel runs, so the whole video costs about its width, not its frames", () => {
    const { ctx, rects } = recorder();
    drawTracks(ctx, [{ track: dense, color: "#f00", selected: false }], { start: 0, span: 10000 }, 800, 0, 26, 1);
    // 5000 runs across 800 px become one rectangle; 100 prompt ticks
    expect(rects.length).toBeLessThan(1 + 10 + 100 + 1);
  });
});
