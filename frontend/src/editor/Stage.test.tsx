// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeRle } from "../rle/rle";
import type { FrameCache } from "./frameCache";
import { fillPolygon } from "./paint";
import Stage, { type Tool } from "./Stage";
import { EditorStore } from "./store";

const W = 64, H = 48;

beforeAll(() => {
  // Fires once on observe, so the stage fits the video at one screen pixel per video pixel.
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
  // One screen pixel = one video pixel.
  SVGElement.prototype.getBoundingClientRect = () =>
    ({ left: 0, top: 0, width: W, height: H, right: W, bottom: H, x: 0, y: 0, toJSON() {} }) as DOMRect;
});
afterEach(cleanup);

const cache = { get: () => undefined, load: () => new Promise(() => {}) } as unknown as FrameCache;

function setup(tool: Tool, selected: number | null = 1) {
  const store = new EditorStore();
  store.loadObjects([{ id: 1, label: null, name: "o", color: "#e6194b", review_status: "draft", seq: 1 }]);
  const base = new Uint8Array(H * W);
  fillPolygon(base, H, W, [[2, 2], [6, 2], [6, 6], [2, 6]], 1);
  store.apply({ type: "masks", seq: 2, frame: 0, source: "prompt", by: null, masks: [{ object_id: 1, rle: encodeRle(base, H, W), score: null }] });
  const edits: { frame: number; id: number | null; mask: Uint8Array }[] = [];
  const onMaskEdit = vi.fn(async (frame: number, id: number | null, mask: Uint8Array) => {
    edits.push({ frame, id, mask: mask.slice() });
  });
  render(
    <Stage
      width={W} height={H} frame={0} cache={cache} store={store} version={0} selected={selected}
      opacity={0.5} showPrompts editable onClick={vi.fn()} onBox={vi.fn()}
      tool={tool} brushRadius={3} onMaskEdit={onMaskEdit}
    />,
  );
  return { layer: screen.getByTestId("prompt-layer"), edits, onMaskEdit };
}

const at = (m: Uint8Array, x: number, y: number) => m[x * H + y];

describe("Stage hand tools", () => {
  it("a brush stroke hands up the object's whole mask: the old one plus the stroke", () => {
    const { layer, edits } = setup("brush");
    fireEvent.mouseMove(layer, { clientX: 20, clientY: 20 });
    const cursor = screen.getByTestId("brush-cursor");
    expect(cursor.getAttribute("r")).toBe("3");
    fireEvent.mouseDown(layer, { clientX: 20, clientY: 20, button: 0 });
    fireEvent.mouseMove(layer, { clientX: 40, clientY: 20 });
    fireEvent.mouseUp(layer, { clientX: 40, clientY: 20, button: 0 });
    expect(edits).toHaveLength(1);
    const { frame, id, mask } = edits[0];
    expect([frame, id]).toEqual([0, 1]);
    expect(at(mask, 4, 4)).toBe(1); // the mask it started from
    expect(at(mask, 30, 20)).toBe(1); // the stroke
    expect(at(mask, 30, 30)).toBe(0);
  });

  it("the eraser removes from the current mask; a stroke that changes nothing sends nothing", () => {
    const { layer, edits } = setup("eraser");
    fireEvent.mouseDown(layer, { clientX: 30, clientY: 30, button: 0 });
    fireEvent.mouseUp(layer, { clientX: 30, clientY: 30, button: 0 });
    expect(edits).toHaveLength(0);
    fireEvent.mouseDown(layer, { clientX: 4, clientY: 4, button: 0 });
    fireEvent.mouseUp(layer, { clientX: 4, clientY: 4, button: 0 });
    expect(edits).toHaveLength(1);
    expect(at(edits[0].mask, 4, 4)).toBe(0);
  });

  it("polygon: clicking the first vertex closes it", () => {
    const { layer, edits } = setup("polygon");
    for (const [x, y] of [[10, 10], [50, 10], [50, 40], [11, 11]]) {
      fireEvent.mouseDown(layer, { clientX: x, clientY: y, button: 0 });
      fireEvent.mouseUp(layer, { clientX: x, clientY: y, button: 0 });
    }
    expect(screen.queryByTestId("polygon-draft")).toBeNull();
    expect(edits).toHaveLength(1);
    expect(at(edits[0].mask, 40, 15)).toBe(1);
    expect(at(edits[0].mask, 15, 35)).toBe(0);
  });

  it("polygon: clicks add vertices, Backspace drops one, Enter fills, Esc cancels", () => {
    const { layer, edits } = setup("polygon");
    for (const [x, y] of [[10, 10], [50, 10], [50, 40], [10, 40], [30, 45]]) {
      fireEvent.mouseDown(layer, { clientX: x, clientY: y, button: 0 });
      fireEvent.mouseUp(layer, { clientX: x, clientY: y, button: 0 });
    }
    expect(screen.getByTestId("polygon-draft").dataset.vertices).toBe("5");
    act(() => void fireEvent.keyDown(window, { key: "Backspace" }));
    expect(screen.getByTestId("polygon-draft").dataset.vertices).toBe("4");
    act(() => void fireEvent.keyDown(window, { key: "Enter" }));
    expect(screen.queryByTestId("polygon-draft")).toBeNull();
    expect(edits).toHaveLength(1);
    expect(at(edits[0].mask, 30, 25)).toBe(1);
    expect(at(edits[0].mask, 4, 4)).toBe(1);
    expect(at(edits[0].mask, 30, 44)).toBe(0); // the dropped vertex's corner
    // Esc cancels a polygon in progress, and no one else sees that Esc (no deselect).
    fireEvent.mouseDown(layer, { clientX: 5, clientY: 5, button: 0 });
    const seen = vi.fn();
    window.addEventListener("keydown", seen);
    act(() => void fireEvent.keyDown(window, { key: "Escape" }));
    window.removeEventListener("keydown", seen);
    expect(screen.queryByTestId("polygon-draft")).toBeNull();
    expect(seen).not.toHaveBeenCalled();
    expect(edits).toHaveLength(1);
  });

  it("with nothing selected a brush stroke asks for a new object; the eraser does nothing", () => {
    const { layer, edits } = setup("brush", null);
    fireEvent.mouseDown(layer, { clientX: 30, clientY: 30, button: 0 });
    fireEvent.mouseUp(layer, { clientX: 30, clientY: 30, button: 0 });
    expect(edits).toHaveLength(1);
    expect(edits[0].id).toBeNull();
    expect(at(edits[0].mask, 4, 4)).toBe(0); // not the other object's mask
    cleanup();
    const er = setup("eraser", null);
    fireEvent.mouseDown(er.layer, { clientX: 4, clientY: 4, button: 0 });
    fireEvent.mouseUp(er.layer, { clientX: 4, clientY: 4, button: 0 });
    expect(er.edits).toHaveLength(0);
  });
});
