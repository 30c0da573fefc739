import { describe, expect, it } from "vitest";
import { EditorStore } from "./store";
import type { WireObject } from "../protocol/messages";

const obj = (id: number, seq = 1, name = `obj ${id}`): WireObject => ({
  id,
  label: null,
  name,
  color: "#e6194b",
  review_status: "draft",
  seq,
});
// 2x2 masks: "04" = four zeros; "13" = one zero then three ones.
const EMPTY = { size: [2, 2] as [number, number], counts: "04" };
const FULLISH = { size: [2, 2] as [number, number], counts: "13" };

describe("EditorStore", () => {
  it("keeps the newest mask per object and frame, whatever the arrival order", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    s.apply({ type: "masks", seq: 5, frame: 3, source: "prompt", by: "a", masks: [{ object_id: 1, rle: FULLISH, score: 0.9 }] });
    s.apply({ type: "masks", seq: 4, frame: 3, source: "propagation", by: "a", masks: [{ object_id: 1, rle: EMPTY, score: 0.1 }] });
    expect(s.masksAt(3)?.get(1)?.seq).toBe(5);
    expect([...s.tracks.get(1)!.maskFrames]).toEqual([3]);
  });

  it("does not let a REST load started before a live mask overwrite it", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    const epoch = s.beginFrameLoad(2);
    s.apply({ type: "masks", seq: 9, frame: 2, source: "prompt", by: "a", masks: [{ object_id: 1, rle: FULLISH, score: 1 }] });
    s.loadFrameMasks(2, [{ object_id: 1, frame: 2, rle: EMPTY, score: 0, source: "propagation" }], epoch);
    expect(s.masksAt(2)?.get(1)?.rle).toEqual(FULLISH);
  });

  it("accumulates clicks and resets them on clear_old or a mask prompt", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    const add = (points: number[][], labels: number[], clear_old = false) =>
      s.apply({ type: "prompt.added", seq: 1, by: "a", prompt: { object_id: 1, frame: 0, kind: "point", points, labels, clear_old } });
    add([[1, 1]], [1]);
    add([[2, 2]], [0]);
    expect(s.promptAt(1, 0)?.points).toEqual([[1, 1], [2, 2]]);
    expect(s.promptAt(1, 0)?.labels).toEqual([1, 0]);
    add([[3, 3]], [1], true);
    expect(s.promptAt(1, 0)?.points).toEqual([[3, 3]]);
    s.apply({ type: "prompt.added", seq: 2, by: "a", prompt: { object_id: 1, frame: 0, kind: "mask" } });
    expect(s.promptAt(1, 0)).toBeUndefined();
    expect(s.tracks.get(1)!.promptFrames.has(0)).toBe(true);
  });

  it("drops an object's masks, prompts and track when it is deleted", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1), obj(2)]);
    s.apply({ type: "masks", seq: 3, frame: 0, source: "prompt", by: "a", masks: [{ object_id: 1, rle: FULLISH, score: 1 }] });
    s.apply({ type: "object.deleted", object: obj(1, 4), seq: 4, by: "b" });
    expect(s.objects.has(1)).toBe(false);
    expect(s.masksAt(0)?.has(1)).toBe(false);
    expect(s.tracks.has(1)).toBe(false);
  });

  it("takes the snapshot's object list as the truth on (re)connect", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1), obj(2)]);
    s.apply({
      type: "session.state",
      seq: 10,
      objects: [obj(2, 7, "renamed")],
      users: [],
      video: { id: 1, num_frames: 5, width: 2, height: 2, fps: 10, status: "ready" },
      model: { name: "random-tiny", random_weights: true },
      role: "annotator",
      you: "alice",
    });
    expect([...s.objects.keys()]).toEqual([2]);
    expect(s.objects.get(2)?.name).toBe("renamed");
    expect(s.model?.random_weights).toBe(true);
  });

  it("ignores an older object update replayed after a newer one", () => {
    const s = new EditorStore();
    s.apply({ type: "object.updated", object: obj(1, 8, "new"), seq: 8, by: "a" });
    s.apply({ type: "object.created", object: obj(1, 3, "old"), seq: 3, by: "a" });
    expect(s.objects.get(1)?.name).toBe("new");
  });

  it("tracks propagation progress and its end", () => {
    const s = new EditorStore();
    s.apply({ type: "propagation.progress", done: 3, total: 10, frame: 3, by: "bob" });
    expect(s.propagation).toMatchObject({ running: true, done: 3, total: 10 });
    s.apply({ type: "propagation.done", cancelled: true, reason: "cancelled" });
    expect(s.propagation).toMatchObject({ running: false, done: 3, result: "cancelled" });
  });

  it("notifies the painter synchronously for the frame that changed", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    const seen: number[] = [];
    s.onFrameMasks((f) => seen.push(f));
    s.apply({ type: "masks", seq: 1, frame: 7, source: "prompt", by: "a", masks: [{ object_id: 1, rle: FULLISH, score: 1 }] });
    expect(seen).toEqual([7]);
  });
});

describe("isEmptyRle", () => {
  it("is true exactly when the leading zero run covers the image", async () => {
    const { isEmptyRle } = await import("./store");
    const { encodeRle } = await import("../rle/rle");
    expect(isEmptyRle(encodeRle(new Uint8Array(200 * 300), 200, 300))).toBe(true);
    const one = new Uint8Array(200 * 300);
    one[59_999] = 1; // the very last pixel
    expect(isEmptyRle(encodeRle(one, 200, 300))).toBe(false);
    expect(isEmptyRle(encodeRle(new Uint8Array(6).fill(1), 2, 3))).toBe(false);
  });
});
