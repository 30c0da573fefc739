import { describe, expect, it, vi } from "vitest";
import { PALETTE } from "../api/projectRules";
import { EditorController } from "./controller";
import type { ProtocolClient } from "../protocol/client";
import type { ClientMessage } from "../protocol/messages";
import { decodeRle, encodeRle } from "../rle/rle";
import { fillPolygon } from "./paint";

const H = 50, W = 100;

function setup(refuse = false) {
  const sent: ClientMessage[] = [];
  let seq = 100;
  const client = {
    state: "open",
    request: vi.fn(async (m: ClientMessage) => {
      sent.push(m);
      if (refuse) throw Object.assign(new Error("refused"), { code: "forbidden" });
      return { seq: ++seq, req: `r${seq}` };
    }),
    send: vi.fn(() => true),
    onMessage: () => () => {},
    onState: () => () => {},
    close: () => {},
  } as unknown as ProtocolClient;
  const errors: string[] = [];
  const ctl = new EditorController({ videoId: 1, width: W, height: H, numFrames: 10, client, onError: (m) => errors.push(m) });
  ctl.store.loadObjects([{ id: 1, label: null, name: "o1", color: PALETTE[0], review_status: "draft", seq: 1 }]);
  ctl.select(1);
  return { ctl, sent, errors, lastSeq: () => seq };
}

const square = (x0: number, y0: number, x1: number, y1: number) => {
  const m = new Uint8Array(H * W);
  fillPolygon(m, H, W, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], 1);
  return encodeRle(m, H, W);
};

/** What the server does with an accepted prompt.mask: log it and broadcast the mask. */
function echo(ctl: EditorController, seq: number, m: ClientMessage) {
  if (m.type !== "prompt.mask") return;
  ctl.handle({ type: "prompt.added", seq, by: "a", prompt: { object_id: m.object_id, frame: m.frame, kind: "mask" } });
  ctl.handle({ type: "masks", seq, frame: m.frame, source: "prompt", by: "a", masks: [{ object_id: m.object_id, rle: m.rle, score: null }] });
}

describe("hand edits (brush, eraser, polygon, clean-up)", () => {
  it("send the object's whole new mask as prompt.mask and show it at once", async () => {
    const { ctl, sent } = setup();
    const rle = square(10, 10, 20, 20);
    const done = ctl.setMask(4, 1, rle);
    // Shown before the server answers.
    expect(ctl.store.masksAt(4)?.get(1)?.rle).toEqual(rle);
    expect(await done).toBe(1);
    expect(sent).toEqual([{ type: "prompt.mask", object_id: 1, frame: 4, rle: { size: [H, W], counts: rle.counts } }]);
  });

  it("put the old mask back when the server refuses the edit", async () => {
    const { ctl, errors } = setup(true);
    const before = square(0, 0, 5, 5);
    ctl.handle({ type: "masks", seq: 3, frame: 4, source: "prompt", by: "a", masks: [{ object_id: 1, rle: before, score: null }] });
    expect(await ctl.setMask(4, 1, square(10, 10, 20, 20))).toBe(null);
    expect(ctl.store.masksAt(4)?.get(1)?.rle).toBe(before);
    expect(errors).toEqual(["refused"]);
  });

  it("undo restores the mask before each edit, newest first", async () => {
    const { ctl, sent, lastSeq } = setup();
    const a = square(0, 0, 10, 10), b = square(0, 0, 30, 30), c = square(0, 0, 40, 40);
    ctl.handle({ type: "masks", seq: 3, frame: 2, source: "propagation", by: "a", masks: [{ object_id: 1, rle: a, score: 0.9 }] });
    await ctl.setMask(2, 1, b);
    echo(ctl, lastSeq(), sent.at(-1)!);
    await ctl.setMask(2, 1, c);
    echo(ctl, lastSeq(), sent.at(-1)!);
    expect(await ctl.undo(2)).toBe(1);
    expect(sent.at(-1)).toMatchObject({ type: "prompt.mask", frame: 2, rle: { counts: b.counts } });
    echo(ctl, lastSeq(), sent.at(-1)!);
    expect(await ctl.undo(2)).toBe(1);
    expect(sent.at(-1)).toMatchObject({ type: "prompt.mask", frame: 2, rle: { counts: a.counts } });
    echo(ctl, lastSeq(), sent.at(-1)!);
    // Nothing of this tab's left on the frame: nothing to undo.
    expect(await ctl.undo(2)).toBe(null);
  });

  it("undo of an edit on a clicked frame puts the clicks back", async () => {
    const { ctl, sent, lastSeq } = setup();
    ctl.handle({
      type: "prompt.added", seq: 5, by: "a",
      prompt: { object_id: 1, frame: 2, kind: "point", points: [[1, 1], [5, 5]], labels: [1, 0] },
    });
    await ctl.setMask(2, 1, square(0, 0, 10, 10));
    echo(ctl, lastSeq(), sent.at(-1)!);
    expect(ctl.store.promptAt(1, 2)).toBeUndefined(); // the mask replaced the clicks
    await ctl.undo(2);
    expect(sent.at(-1)).toEqual({
      type: "prompt.add", object_id: 1, frame: 2, clear_old: true, points: [[1, 1], [5, 5]], labels: [1, 0],
    });
  });

  it("undo of a first edit on an empty frame clears it", async () => {
    const { ctl, sent, lastSeq } = setup();
    await ctl.setMask(6, 1, square(0, 0, 10, 10));
    echo(ctl, lastSeq(), sent.at(-1)!);
    await ctl.undo(6);
    const m = sent.at(-1)!;
    expect(m.type).toBe("prompt.mask");
    if (m.type === "prompt.mask") expect(decodeRle(m.rle).some((v) => v)).toBe(false);
  });

  it("a teammate's later prompt is undone as a click, not the edit under it", async () => {
    const { ctl, sent, lastSeq } = setup();
    await ctl.setMask(2, 1, square(0, 0, 10, 10));
    echo(ctl, lastSeq(), sent.at(-1)!);
    ctl.handle({ type: "prompt.added", seq: 500, by: "b", prompt: { object_id: 1, frame: 2, kind: "point", points: [[3, 3], [7, 7]], labels: [1, 1] } });
    await ctl.undo(2);
    expect(sent.at(-1)).toEqual({ type: "prompt.add", object_id: 1, frame: 2, clear_old: true, points: [[3, 3]], labels: [1] });
  });
});
