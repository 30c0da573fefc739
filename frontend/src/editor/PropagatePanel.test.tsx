// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PALETTE } from "../api/projectRules";
import type { ProtocolClient } from "../protocol/client";
import type { ClientMessage } from "../protocol/messages";
import { EditorController } from "./controller";
import PropagatePanel from "./PropagatePanel";

afterEach(cleanup);

function room(you: string) {
  const sent: ClientMessage[] = [];
  const client = {
    state: "open",
    request: vi.fn(async (m: ClientMessage) => (sent.push(m), { seq: 1, req: "r" })),
    send: vi.fn(() => true),
    onMessage: () => () => {},
    onState: () => () => {},
    close: () => {},
  } as unknown as ProtocolClient;
  const ctl = new EditorController({ videoId: 1, width: 10, height: 10, numFrames: 20, client });
  const objects = [1, 2].map((id) => ({ id, label: null, name: `disc ${id}`, color: PALETTE[id], review_status: "draft" as const, seq: id }));
  ctl.handle({ type: "session.state", seq: 1, objects, users: [], you, role: "annotator" } as never);
  ctl.handle({ type: "propagation.progress", done: 3, total: 19, frame: 4, by: "alice", job: 7 });
  ctl.handle({ type: "masks", seq: 2, frame: 4, source: "propagation", by: "alice", masks: [{ object_id: 1, rle: { size: [10, 10], counts: "0" }, score: 1 }] });
  return { ctl, sent };
}

function panel(ctl: EditorController, canAnnotate: boolean, toast = vi.fn()) {
  render(<PropagatePanel ctl={ctl} canAnnotate={canAnnotate} onlySelected={false} setOnlySelected={() => {}} propagate={() => {}} toast={toast} />);
  return toast;
}

describe("PropagatePanel with a teammate's propagation running", () => {
  it("says whose it is and which objects, and leaves the direction buttons on", () => {
    const { ctl } = room("bob");
    panel(ctl, true);
    expect(screen.getByTestId("propagation-owner").textContent).toBe("alice's propagation: disc 1");
    expect((screen.getByTestId("propagate-both") as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId("propagate-alongside")).toBeTruthy();
  });

  it("cancels exactly that job and confirms it", async () => {
    const { ctl, sent } = room("bob");
    const toast = panel(ctl, true);
    fireEvent.click(screen.getByTestId("propagate-cancel"));
    await vi.waitFor(() => expect(toast).toHaveBeenCalledWith("info", "Cancelled alice's propagation."));
    expect(sent).toEqual([{ type: "propagate.cancel", job: 7 }]);
  });

  it("tells a viewer they cannot cancel it", () => {
    const { ctl } = room("vera");
    panel(ctl, false);
    expect(screen.queryByTestId("propagate-cancel")).toBeNull();
    expect(screen.getByTestId("propagate-cancel-denied").textContent).toContain("Only annotators can cancel");
  });

  it("blocks a second start of your own while yours runs", () => {
    const { ctl } = room("alice");
    panel(ctl, true);
    expect(screen.getByTestId("propagation-owner").textContent).toContain("Your propagation");
    expect((screen.getByTestId("propagate-both") as HTMLButtonElement).disabled).toBe(true);
  });
});
