import { describe, expect, it, vi } from "vitest";
import { PALETTE } from "../api/projectRules";
import { EditorController } from "./controller";
import type { ProtocolClient } from "../protocol/client";
import type { ClientMessage, ObjectOut } from "../protocol/messages";
import { encodeRle } from "../rle/rle";
import { redoWithNotice, undoWithNotice } from "./useUndo";

const obj = (id: number): ObjectOut => ({ id, label: null, name: `o${id}`, color: PALETTE[id], review_status: "draft", seq: id });

/** A server stand-in: acks every request with a new seq and echoes prompts as prompt.added. */
function setup(you = "me") {
  const sent: ClientMessage[] = [];
  let seq = 100;
  let ctl: EditorController;
  const client = {
    state: "open",
    request: vi.fn(async (m: ClientMessage) => {
      sent.push(m);
      const s = ++seq;
      if (m.type === "prompt.add") {
        const { object_id, frame, points, labels, box, clear_old } = m;
        ctl.handle({ type: "prompt.added", seq: s, by: you, prompt: { object_id, frame, kind: box ? "box" : "point", points, labels, box, clear_old } });
      } else if (m.type === "prompt.mask") {
        ctl.handle({ type: "prompt.added", seq: s, by: you, prompt: { object_id: m.object_id, frame: m.frame, kind: "mask" } });
        ctl.handle({ type: "masks", seq: s, frame: m.frame, source: "prompt", by: you, masks: [{ object_id: m.object_id, rle: m.rle, score: null }] });
      }
      return { seq: s, req: `r${s}` };
    }),
    send: vi.fn(() => true),
    onMessage: () => () => {},
    onState: () => () => {},
    close: () => {},
  } as unknown as ProtocolClient;
  ctl = new EditorController({ videoId: 1, width: 100, height: 50, numFrames: 10, client, onError: () => {} });
  ctl.handle({ type: "session.state", seq: 1, objects: [obj(1), obj(2)], users: [], you, role: "annotator" } as never);
  return { ctl, sent, next: () => ++seq };
}

const click = (ctl: EditorController, seq: number, by: string, id: number, frame: number, pts: [number, number][]) =>
  ctl.handle({ type: "prompt.added", seq, by, prompt: { object_id: id, frame, kind: "point", points: pts, labels: pts.map(() => 1) } });

describe("undo on a frame where the selected object has nothing", () => {
  it("undoes this user's newest prompt on the frame, on whichever object, and says so", async () => {
    const { ctl, sent } = setup();
    click(ctl, 10, "me", 1, 3, [[1, 1]]);
    click(ctl, 11, "me", 2, 3, [[5, 5], [6, 6]]);
    click(ctl, 12, "bob", 1, 4, [[9, 9]]);
    ctl.select(null);
    const toast = vi.fn();
    await undoWithNotice(ctl, 3, toast);
    expect(sent.at(-1)).toEqual({ type: "prompt.add", object_id: 2, frame: 3, clear_old: true, points: [[5, 5]], labels: [1] });
    expect(ctl.selected).toBe(2);
    expect(toast).toHaveBeenCalledWith("info", "Undid your last prompt on this frame (o2).");
  });

  it("leaves a teammate's prompts alone and says there is nothing of yours", async () => {
    const { ctl, sent } = setup();
    click(ctl, 10, "bob", 1, 3, [[1, 1]]);
    ctl.select(null);
    const toast = vi.fn();
    await undoWithNotice(ctl, 3, toast);
    expect(sent).toEqual([]);
    expect(toast).toHaveBeenCalledWith("info", "Nothing of yours to undo on this frame.");
  });

  it("still undoes the selected object first", async () => {
    const { ctl, sent } = setup();
    click(ctl, 10, "me", 1, 3, [[1, 1], [2, 2]]);
    click(ctl, 11, "me", 2, 3, [[5, 5]]);
    ctl.select(1);
    expect(await ctl.undo(3)).toBe(1);
    expect(sent.at(-1)).toMatchObject({ object_id: 1, points: [[1, 1]] });
  });
});

describe("redo", () => {
  it("re-sends the undone clicks, newest undo first, then has nothing left", async () => {
    const { ctl, sent } = setup();
    click(ctl, 10, "me", 1, 3, [[1, 1], [2, 2], [3, 3]]);
    ctl.select(1);
    await ctl.undo(3);
    await ctl.undo(3);
    expect(ctl.store.promptAt(1, 3)?.points).toEqual([[1, 1]]);
    expect(ctl.canRedo(3)).toBe(true);
    expect(ctl.canRedo(4)).toBe(false);
    expect(await ctl.redo(3)).toBe(1);
    expect(sent.at(-1)).toEqual({ type: "prompt.add", object_id: 1, frame: 3, clear_old: true, points: [[1, 1], [2, 2]], labels: [1, 1] });
    expect(await ctl.redo(3)).toBe(1);
    expect(ctl.store.promptAt(1, 3)?.points).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(await ctl.redo(3)).toBe(null);
  });

  it("brings a frame cleared by undoing its only click back", async () => {
    const { ctl, sent } = setup();
    click(ctl, 10, "me", 1, 3, [[1, 1]]);
    ctl.select(1);
    await ctl.undo(3);
    expect(sent.at(-1)!.type).toBe("prompt.mask");
    await ctl.redo(3);
    expect(sent.at(-1)).toMatchObject({ type: "prompt.add", points: [[1, 1]], clear_old: true });
  });

  it("re-sends an undone hand edit's mask, which undo can take back again", async () => {
    const { ctl, sent } = setup();
    ctl.select(1);
    const m = new Uint8Array(50 * 100).fill(1, 0, 300);
    const rle = encodeRle(m, 50, 100);
    await ctl.setMask(3, 1, rle);
    await ctl.undo(3);
    await ctl.redo(3);
    expect(sent.at(-1)).toMatchObject({ type: "prompt.mask", object_id: 1, frame: 3, rle: { counts: rle.counts } });
    expect(ctl.store.masksAt(3)?.get(1)?.empty).toBe(false);
    expect(await ctl.undo(3)).toBe(1);
    expect(ctl.store.masksAt(3)?.get(1)?.empty).toBe(true);
  });

  it("refuses once someone prompted the object on that frame since, and a new click drops it", async () => {
    const { ctl, sent, next } = setup();
    click(ctl, 10, "me", 1, 3, [[1, 1], [2, 2]]);
    ctl.select(1);
    await ctl.undo(3);
    click(ctl, next(), "bob", 1, 3, [[8, 8]]);
    const n = sent.length;
    const toast = vi.fn();
    await redoWithNotice(ctl, 3, toast);
    expect(sent.length).toBe(n);
    expect(toast).toHaveBeenCalledWith("info", "Cannot redo: the object was prompted on this frame since.");
    await ctl.undo(3);
    await ctl.click(3, 4, 4, 1, null);
    expect(ctl.canRedo(3)).toBe(false);
  });
});

describe("propagation of a teammate", () => {
  it("cancels the job shown by its id, and lists the objects seen in it", async () => {
    const { ctl, sent } = setup();
    ctl.handle({ type: "propagation.progress", done: 1, total: 9, frame: 4, by: "bob", job: 42 });
    ctl.handle({ type: "masks", seq: 20, frame: 4, source: "propagation", by: "bob", masks: [{ object_id: 2, rle: encodeRle(new Uint8Array(0), 50, 100), score: 1 }] });
    expect(ctl.propagatingObjects("bob")).toEqual([2]);
    expect(ctl.store.propagation).toMatchObject({ running: true, by: "bob", job: 42 });
    expect(await ctl.cancelPropagation(ctl.store.propagation!.job)).toBe(true);
    expect(sent.at(-1)).toEqual({ type: "propagate.cancel", job: 42 });
    ctl.handle({ type: "propagation.done", cancelled: true, reason: "cancelled", done: 2, total: 9, by: "bob", job: 42 });
    expect(ctl.propagatingObjects("bob")).toEqual([]);
    expect(ctl.store.propagation).toMatchObject({ running: false, result: "cancelled" });
  });

  it("knows its own propagation's objects from the start", async () => {
    const { ctl } = setup();
    click(ctl, 10, "me", 2, 3, [[1, 1]]);
    ctl.select(2);
    await ctl.propagate(3, "forward", true);
    expect(ctl.propagatingObjects("me")).toEqual([2]);
  });
});
