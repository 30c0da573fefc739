import { describe, expect, it } from "vitest";
import type { ClientMessage, ObjectOut } from "../protocol/messages";
import { Masklets, stepGap, stepPrompted } from "./masklets";
import { EditorStore } from "./store";

const obj = (id: number, name = `obj ${id}`): ObjectOut => ({ id, label: null, name, color: "#e6194b", review_status: "draft", seq: 1 });

const MASK = { size: [2, 2] as [number, number], counts: "13" };


function storeWith(): EditorStore {
  const s = new EditorStore();
  s.loadObjects([obj(1, "car"), obj(2, "bus")]);
  s.loadTimeline([
    { object_id: 1, mask_frames: [0, 1, 2, 4, 5], prompt_frames: [2, 9] },
    { object_id: 2, mask_frames: [], prompt_frames: [6] },
  ] as never);
  return s;
}

describe("masklet frame jumps", () => {
  it("steps to the selected object's prompted frames, or any object's", () => {
    const s = storeWith();
    expect(stepPrompted(s, 1, 2, 1)).toBe(9);
    expect(stepPrompted(s, 1, 9, 1)).toBeNull();
    expect(stepPrompted(s, 1, 9, -1)).toBe(2);
    expect(stepPrompted(s, null, 2, 1)).toBe(6);
    expect(stepPrompted(s, null, 6, -1)).toBe(2);
  });

  it("finds the next and previous frame without a mask", () => {
    const s = storeWith();
    expect(stepGap(s, 1, 0, 10, 1)).toBe(3);
    expect(stepGap(s, 1, 3, 10, 1)).toBe(6);
    expect(stepGap(s, 1, 5, 10, -1)).toBe(3);
    expect(stepGap(s, 1, 2, 3, 1)).toBeNull(); // the last frame is 2
    expect(stepGap(s, 2, 4, 10, 1)).toBe(5);
  });
});

describe("Masklets", () => {
  function setup(fail: string | null = null) {
    const s = storeWith();
    const sent: ClientMessage[] = [];
    const errors: string[] = [];
    const client = {
      request: async (msg: ClientMessage) => {
        sent.push(msg);
        if (fail) throw new Error(fail);
        // The room's answer: a split or duplicate makes a new object with the derived name.
        if (msg.type === "object.split") s.apply({ type: "object.created", object: obj(7, "car (2)"), seq: 3, by: "me" });
        if (msg.type === "object.duplicate") s.apply({ type: "object.created", object: obj(8, "car copy"), seq: 4, by: "me" });
        if (msg.type === "object.merge") s.apply({ type: "object.deleted", object: obj(msg.object_id), seq: 5, by: "me" });
        if (msg.type === "object.delete") s.apply({ type: "object.deleted", object: obj(msg.object_id), seq: 6, by: "me" });
        return { seq: 9, req: "r1" };
      },
    };
    return { s, sent, errors, m: new Masklets(client as never, s, (e) => errors.push(e)) };
  }

  it("undoes a split by merging the new object back", async () => {
    const { m, sent } = setup();
    expect(await m.split(1, 4)).toBe(7);
    expect(sent[0]).toEqual({ type: "object.split", object_id: 1, frame: 4 });
    expect(m.lastUndo()).toEqual({ kind: "split", from: 1, to: 7, frame: 4 });
    await m.undo();
    expect(sent[1]).toEqual({ type: "object.merge", object_id: 7, into_id: 1 });
    expect(m.lastUndo()).toBeNull();
  });

  it("undoes a duplicate by deleting the copy, and forgets undos of merged objects", async () => {
    const { m, sent } = setup();
    await m.duplicate(1);
    expect(m.lastUndo()).toEqual({ kind: "duplicate", copy: 8 });
    await m.merge(8, 2);
    expect(m.lastUndo()).toBeNull();
    expect(sent.map((x) => x.type)).toEqual(["object.duplicate", "object.merge"]);
  });

  it("sends a clear range in order and reports a refusal", async () => {
    const { m, sent, errors } = setup("frame 99 is outside [0, 24)");
    expect(await m.clear(1, 9, 3)).toBe(false);
    expect(sent[0]).toEqual({ type: "masks.clear", object_id: 1, start: 3, end: 9 });
    expect(errors).toEqual(["frame 99 is outside [0, 24)"]);
    expect(await m.split(1, 2)).toBeNull();
    expect(m.lastUndo()).toBeNull();
  });

  it("drops an empty mask from the timeline when an edit empties it", () => {
    const { s } = setup();
    s.apply({ type: "masks", seq: 20, frame: 4, source: "edit", by: "me", masks: [{ object_id: 1, rle: { size: [2, 2], counts: "4" }, score: null }] });
    expect(s.tracks.get(1)!.maskFrames.has(4)).toBe(false);
    s.apply({ type: "masks", seq: 21, frame: 7, source: "edit", by: "me", masks: [{ object_id: 2, rle: MASK, score: null }] });
    expect(s.tracks.get(2)!.maskFrames.has(7)).toBe(true);
  });
});
