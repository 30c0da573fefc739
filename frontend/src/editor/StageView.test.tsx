// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FrameCache } from "./frameCache";
import Stage from "./Stage";
import { EditorStore } from "./store";
import { displayColor, labelColors, recolor } from "./colors";

const W = 64, H = 48;

beforeAll(() => {
  globalThis.ResizeObserver = class {
    constructor(private cb: () => void) {}
    observe() {
      this.cb();
    }
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
  HTMLElement.prototype.getBoundingClientRect = () =>
    ({ left: 0, top: 0, width: W + 24, height: H + 24, right: W + 24, bottom: H + 24, x: 0, y: 0, toJSON() {} }) as DOMRect;
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});
afterEach(cleanup);

const cache = { get: () => undefined, load: () => new Promise(() => {}) } as unknown as FrameCache;

function setup() {
  const store = new EditorStore();
  store.loadObjects([
    { id: 1, label: "person", name: "a", color: "#3cb44b", review_status: "draft", seq: 1 },
    { id: 2, label: null, name: "b", color: "#4363d8", review_status: "draft", seq: 1 },
  ]);
  for (const id of [1, 2])
    store.apply({ type: "prompt.added", seq: id + 1, by: "x", prompt: { object_id: id, frame: 0, kind: "point", points: [[10, 10]], labels: [1], clear_old: false, box: [1, 1, 20, 20] } });
  const ui = (v: number) => (
    <Stage width={W} height={H} frame={0} cache={cache} store={store} version={v} selected={null} opacity={0.5}
      showPrompts editable onClick={vi.fn()} onBox={vi.fn()} colors={new Map([[1, "#ff0000"]])} />
  );
  const r = render(ui(0));
  return { store, rerender: (v: number) => r.rerender(ui(v)) };
}

const zoomPct = () => Number((screen.queryByTitle("Reset zoom (0)")?.textContent ?? "100").replace(/%.*/, ""));
const radius = () => Number(document.querySelector(".prompt-point circle")!.getAttribute("r"));

describe("Stage view", () => {
  it("zooms gently and at most 400 %; click markers keep their on-screen size", () => {
    setup();
    const stage = document.querySelector(".stage")!;
    const r1 = radius(); // at zoom 1, one screen pixel is one video pixel here
    expect(r1).toBeCloseTo(6);
    for (let i = 0; i < 5; i++) act(() => void fireEvent.wheel(stage, { deltaY: -120, clientX: 40, clientY: 30 }));
    const z5 = zoomPct();
    expect(z5).toBeGreaterThan(120);
    expect(z5).toBeLessThan(200);
    expect(radius() * (z5 / 100)).toBeCloseTo(r1, 0);
    for (let i = 0; i < 50; i++) act(() => void fireEvent.wheel(stage, { deltaY: -240, clientX: 40, clientY: 30 }));
    expect(zoomPct()).toBe(400);
    expect(radius() * 4).toBeCloseTo(r1);
  });

  it("does not draw a hidden object's clicks, and draws boxes in the object's display colour", () => {
    const { store, rerender } = setup();
    const ids = () => [...document.querySelectorAll(".prompt-object")].map((g) => g.getAttribute("data-object-id"));
    expect(ids()).toEqual(["1", "2"]);
    expect(document.querySelector(".prompt-object[data-object-id='1'] rect")!.getAttribute("stroke")).toBe("#ff0000");
    store.setHidden(1, true);
    rerender(1);
    expect(ids()).toEqual(["2"]);
  });
});

describe("display colours", () => {
  it("uses the label's colour when the object has a label with one", () => {
    const by = labelColors([
      { id: 1, name: "person", color: "#e6194b", order: 0 },
      { id: 2, name: "car", color: "not a colour", order: 1 },
    ]);
    expect(displayColor({ label: "person", color: "#3cb44b" }, by)).toBe("#e6194b");
    expect(displayColor({ label: "car", color: "#3cb44b" }, by)).toBe("#3cb44b");
    expect(displayColor({ label: null, color: "#3cb44b" }, by)).toBe("#3cb44b");
    const objs = [{ id: 1, label: "person", name: "p", color: "#3cb44b", review_status: "draft" as const, seq: 1 }];
    expect(recolor(objs, by)[0].color).toBe("#e6194b");
    expect(recolor(objs, new Map())[0]).toBe(objs[0]);
  });
});
