// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ObjectOut } from "../protocol/messages";
import type { EditorController } from "./controller";
import ObjectPanel, { ROW_H } from "./ObjectPanel";

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
});
afterEach(cleanup);

const many: ObjectOut[] = Array.from({ length: 60 }, (_, i) => ({
  id: i + 1, label: null, color: "#3cb44b", review_status: "draft", seq: i + 1,
  name: i === 0 ? "a very long object name that cannot fit in the sidebar at all" : `object ${i + 1}`,
}));

function panel(selected: number | null) {
  const ctl = { select: vi.fn() } as unknown as EditorController;
  return (
    <ObjectPanel objects={many} labels={[]} selected={selected} hidden={new Set()} frameMasks={undefined}
      maskCounts={new Map([[1, 460]])} canAnnotate canReview={false} newLabel={null} setNewLabel={() => {}}
      ctl={ctl} onToggleHidden={() => {}} />
  );
}

describe("ObjectPanel with many objects", () => {
  it("renders only the rows near the viewport, and the rest as it scrolls", () => {
    const { rerender } = render(panel(null));
    const rows = screen.getAllByTestId("object-row");
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows[0].dataset.objectId).toBe("1");
    const list = screen.getByTestId("object-list");
    list.scrollTop = 40 * ROW_H;
    fireEvent.scroll(list);
    const ids = screen.getAllByTestId("object-row").map((r) => Number(r.dataset.objectId));
    expect(ids).toContain(42);
    expect(ids).not.toContain(1);
    rerender(panel(5));
    expect(screen.getAllByTestId("object-row").map((r) => r.dataset.objectId)).toContain("5");
  });

  it("keeps a long name's frame count in its own element", () => {
    render(panel(null));
    const row = screen.getAllByTestId("object-row")[0];
    expect(row.querySelector(".object-name-text")!.textContent).toMatch(/^a very long/);
    expect(row.querySelector(".object-stats")!.textContent).toBe("460 fr");
  });
});
