import { describe, expect, it, vi } from "vitest";
import { PALETTE } from "../api/projectRules";
import { EditorController, nextColor } from "./controller";
import type { ProtocolClient } from "../protocol/client";
import type { ClientMessage, ObjectOut } from "../protocol/messages";

/** A client stand-in that records requests and lets the test answer them. */
function fakeClient() {
  const sent: ClientMessage[] = [];
  let seq = 100;
  const client = {
    state: "open",
    request: vi.fn(async (m: ClientMessage) => {
      sent.push(m);
      return { seq: ++seq, req: `r${seq}` };
    }),
    send: vi.fn(() => true),
    onMessage: () => () => {},
    onState: () => () => {},
    close: () => {},
  };
  return { client: client as unknown as ProtocolClient, sent };
}

const obj = (id: number, seq: number, color = PALETTE[0]): ObjectOut => ({
  id, label: null, name: `o${id}`, color, review_status: "draft", seq,
});

function setup() {
  const { client, sent } = fakeClient();
  const errors: string[] = [];
  const ctl = new EditorController({ videoId: 1, width: 100, height: 50, numFrames: 10, client, onError: (m) => errors.push(m) });
  ctl.store.loadObjects([obj(1, 1)]);
  ctl.select(1);
  return { ctl, sent, errors };
}

describe("EditorController", () => {
  it("sends a positive click as one point added to the selected object", async () => {
    const { ctl, sent } = setup();
    await ctl.click(3, 10.04, 20, 1, null);
    expect(sent).toEqual([
      { type: "prompt.add", object_id: 1, frame: 3, clear_old: false, points: [[10, 20]], labels: [1] },
    ]);
  });

  it("ignores clicks outside the image instead of clamping them", async () => {
    const { ctl, sent } = setup();
    await ctl.click(0, 100, 10, 1, null);
    await ctl.click(0, -1, 10, 0, null);
    expect(sent).toEqual([]);
  });

  it("undoes the last click by re-prompting the remaining ones with clear_old", async () => {
    const { ctl, sent } = setup();
    ctl.handle({
      type: "prompt.added", seq: 5, by: "a",
      prompt: { object_id: 1, frame: 2, kind: "point", points: [[1, 1], [5, 5]], labels: [1, 0] },
    });
    await ctl.undo(2);
    expect(sent.at(-1)).toEqual({
      type: "prompt.add", object_id: 1, frame: 2, clear_old: true, points: [[1, 1]], labels: [1],
    });
  });

  it("undoes a click loaded from the prompt log (after a reload)", async () => {
    const { ctl, sent } = setup();
    ctl.store.loadPrompts([
      { seq: 3, object_id: 1, frame: 2, kind: "point", payload: { points: [[1, 1]], labels: [1], box: null, clear_old: false }, user: "a", created_at: "" },
      { seq: 4, object_id: 1, frame: 2, kind: "point", payload: { points: [[5, 5]], labels: [0], box: null, clear_old: false }, user: "a", created_at: "" },
    ]);
    await ctl.undo(2);
    expect(sent.at(-1)).toEqual({
      type: "prompt.add", object_id: 1, frame: 2, clear_old: true, points: [[1, 1]], labels: [1],
    });
  });

  it("undoing the only click clears the frame with an empty mask prompt", async () => {
    const { ctl, sent } = setup();
    ctl.handle({
      type: "prompt.added", seq: 5, by: "a",
      prompt: { object_id: 1, frame: 2, kind: "point", points: [[1, 1]], labels: [1] },
    });
    await ctl.undo(2);
    const last = sent.at(-1) as { type: string; rle: { size: number[]; counts: string } };
    expect(last.type).toBe("prompt.mask");
    expect(last.rle.size).toEqual([50, 100]);
  });

  it("sends a box with the frame's clicks as a fresh prompt", async () => {
    const { ctl, sent } = setup();
    await ctl.box(4, 30, 40, 10, 5, null);
    expect(sent).toEqual([{ type: "prompt.add", object_id: 1, frame: 4, clear_old: true, box: [10, 5, 30, 40] }]);
  });

  it("creates an object on a click with nothing selected, selects it and sends the click", async () => {
    const { ctl, sent } = setup();
    ctl.select(null);
    const done = ctl.click(0, 5, 5, 1, "car");
    await Promise.resolve();
    // The server broadcasts object.created with the ack's seq.
    const create = sent[0] as { type: string; label: string; color: string };
    expect(create).toMatchObject({ type: "object.create", label: "car" });
    expect(create.color).toBe(PALETTE[1]); // PALETTE[0] is taken by object 1
    ctl.handle({ type: "object.created", object: obj(7, 101, PALETTE[1]), seq: 101, by: "me" });
    await done;
    expect(ctl.selected).toBe(7);
    expect(sent[1]).toMatchObject({ type: "prompt.add", object_id: 7, points: [[5, 5]], labels: [1] });
  });

  it("limits propagation to the selected object when asked", async () => {
    const { ctl, sent } = setup();
    await ctl.propagate(5, "backward", true);
    expect(sent).toEqual([{ type: "propagate.start", frame: 5, direction: "backward", object_ids: [1] }]);
    expect(ctl.store.propagation?.running).toBe(true);
  });

  it("picks the first unused palette colour", () => {
    expect(nextColor([])).toBe(PALETTE[0]);
    expect(nextColor([PALETTE[0].toUpperCase(), PALETTE[1]])).toBe(PALETTE[2]);
  });
});
