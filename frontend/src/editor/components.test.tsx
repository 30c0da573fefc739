// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { LabelClass } from "../api/types";
import type { ObjectOut } from "../protocol/messages";
import type { EditorController } from "./controller";
import ObjectPanel from "./ObjectPanel";
import Timeline from "./Timeline";
import type { Track } from "./store";

beforeAll(() => {
  // jsdom has neither; the components only need them to exist.
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});
afterEach(cleanup);

const objects: ObjectOut[] = [
  { id: 1, label: "car", name: "red car", color: "#e6194b", review_status: "accepted", seq: 1 },
  { id: 2, label: null, name: "dog", color: "#3cb44b", review_status: "draft", seq: 2 },
];
const labels: LabelClass[] = [{ id: 9, name: "car", color: "#e6194b", order: 0 }];

function fakeCtl() {
  return {
    select: vi.fn(),
    createObject: vi.fn(),
    renameObject: vi.fn(),
    deleteObject: vi.fn(),
    setObjectLabel: vi.fn(),
    setReview: vi.fn(),
  } as unknown as EditorController & Record<string, ReturnType<typeof vi.fn>>;
}

function panel(canAnnotate: boolean, ctl = fakeCtl()) {
  render(
    <ObjectPanel
      objects={objects}
      labels={labels}
      selected={1}
      hidden={new Set([2])}
      frameMasks={undefined}
      maskCounts={new Map([[1, 12]])}
      canAnnotate={canAnnotate}
      canReview={false}
      newLabel="car"
      setNewLabel={() => {}}
      ctl={ctl}
      onToggleHidden={() => {}}
    />,
  );
  return ctl;
}

describe("ObjectPanel", () => {
  it("lists each object with its name, selection and hidden state", () => {
    panel(true);
    const rows = screen.getAllByTestId("object-row");
    expect(rows.map((r) => r.dataset.objectId)).toEqual(["1", "2"]);
    expect(rows[0].className).toContain("selected");
    expect(rows[1].className).toContain("is-hidden");
    expect(rows[0].textContent).toContain("red car");
    expect(rows[0].textContent).toContain("12 fr");
  });

  it("gives annotators create, rename and delete, and selects on click", () => {
    const ctl = panel(true);
    expect((screen.getByTestId("new-object") as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(screen.getByTestId("new-object"));
    expect(ctl.createObject).toHaveBeenCalledWith("car");
    fireEvent.click(screen.getAllByTestId("object-row")[1]);
    expect(ctl.select).toHaveBeenCalledWith(2);
    fireEvent.click(screen.getAllByLabelText("Rename object")[0]);
    const input = screen.getByTestId("rename-input");
    fireEvent.change(input, { target: { value: "blue car" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(ctl.renameObject).toHaveBeenCalledWith(1, "blue car");
  });

  it("leaves viewers no way to edit", () => {
    panel(false);
    expect((screen.getByTestId("new-object") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryAllByLabelText("Delete object")).toHaveLength(0);
    expect(screen.queryAllByLabelText("Rename object")).toHaveLength(0);
    for (const sel of screen.getAllByLabelText("Label")) expect((sel as HTMLSelectElement).disabled).toBe(true);
  });
});

describe("Timeline", () => {
  it("draws one track per object with its mask and prompt frame counts, and seeks on click", () => {
    const tracks = new Map<number, Track>([
      [1, { maskFrames: new Set([0, 1, 2, 5]), promptFrames: new Set([0]) }],
      [2, { maskFrames: new Set(), promptFrames: new Set() }],
    ]);
    const onSeek = vi.fn();
    render(
      <Timeline
        numFrames={10}
        frame={3}
        objects={objects}
        tracks={tracks}
        selected={2}
        users={[{ username: "bob", frame: 7, object_id: null }]}
        you="alice"
        version={1}
        propagatingFrame={null}
        onSeek={onSeek}
        onSelect={() => {}}
      />,
    );
    const t = screen.getAllByTestId("track");
    expect(t.map((x) => [x.dataset.objectId, x.dataset.maskFrames, x.dataset.promptFrames])).toEqual([
      ["1", "4", "1"],
      ["2", "0", "0"],
    ]);
    expect(t[1].className).toContain("track-selected");
    expect(screen.getByTitle("bob is on frame 7")).toBeTruthy();
    fireEvent.mouseDown(screen.getByTestId("timeline"), { clientX: 500 });
    expect(onSeek).toHaveBeenCalled();
  });
});
