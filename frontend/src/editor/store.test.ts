import { describe, expect, it } from "vitest";
import { EditorStore } from "./store";
import type { RestPrompt } from "../api/types";
import type { ObjectOut } from "../protocol/messages";

const obj = (id: number, seq = 1, name = `obj ${id}`): ObjectOut => ({
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
    let seq = 0;
    const add = (points: number[][], labels: number[], clear_old = false) =>
      s.apply({ type: "prompt.added", seq: ++seq, by: "a", prompt: { object_id: 1, frame: 0, kind: "point", points, labels, clear_old } });
    add([[1, 1]], [1]);
    add([[2, 2]], [0]);
    expect(s.promptAt(1, 0)?.points).toEqual([[1, 1], [2, 2]]);
    expect(s.promptAt(1, 0)?.labels).toEqual([1, 0]);
    add([[3, 3]], [1], true);
    expect(s.promptAt(1, 0)?.points).toEqual([[3, 3]]);
    s.apply({ type: "prompt.added", seq: ++seq, by: "a", prompt: { object_id: 1, frame: 0, kind: "mask" } });
    expect(s.promptAt(1, 0)).toBeUndefined();
    expect(s.tracks.get(1)!.promptFrames.has(0)).toBe(true);
  });

  it("merges the REST prompt log with live prompts in seq order, each seq once", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1), obj(2)]);
    const row = (seq: number, payload: RestPrompt["payload"], object_id = 1, frame = 4, kind: RestPrompt["kind"] = "point"): RestPrompt => ({
      seq, object_id, frame, kind, payload, user: "bob", created_at: "2026-01-01T00:00:00Z",
    });
    const live = (seq: number, points: number[][], labels: number[]) =>
      s.apply({ type: "prompt.added", seq, by: "alice", prompt: { object_id: 1, frame: 4, kind: "point", points, labels, clear_old: false } });
    // Seq 12 streamed in live (after the join) before the REST answer, which also holds it.
    live(12, [[3, 3]], [1]);
    s.loadPrompts([
      row(10, { points: [[1, 1]], labels: [1], box: null, clear_old: false }),
      row(11, { points: [[2, 2]], labels: [0], box: null, clear_old: false }),
      row(12, { points: [[3, 3]], labels: [1], box: null, clear_old: false }),
      row(5, { points: [[9, 9]], labels: [1], box: [0, 0, 8, 8], clear_old: true }, 2, 0, "point"),
    ]);
    expect(s.promptAt(1, 4)?.points).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(s.promptAt(1, 4)?.labels).toEqual([1, 0, 1]);
    expect(s.promptAt(1, 4)?.by).toBe("alice");
    expect(s.promptAt(2, 0)).toMatchObject({ points: [[9, 9]], labels: [1], box: [0, 0, 8, 8], by: "bob" });
    expect(s.tracks.get(1)!.promptFrames.has(4)).toBe(true);
    // A replay of the same seqs (reconnect sync, a second load) changes nothing.
    live(11, [[2, 2]], [0]);
    s.loadPrompts([row(10, { points: [[1, 1]], labels: [1], box: null, clear_old: false })]);
    expect(s.promptAt(1, 4)?.points).toEqual([[1, 1], [2, 2], [3, 3]]);
    live(13, [[4, 4]], [1]);
    expect(s.promptAt(1, 4)?.points).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
  });

  it("applies resets from the REST log: clear_old and mask prompts, and prompts of unknown objects are skipped", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    const row = (seq: number, kind: RestPrompt["kind"], payload: RestPrompt["payload"], object_id = 1): RestPrompt => ({
      seq, object_id, frame: 0, kind, payload, user: null, created_at: "",
    });
    s.loadPrompts([
      row(1, "point", { points: [[1, 1]], labels: [1], box: null, clear_old: false }),
      row(2, "mask", { rle: { size: [2, 2], counts: "04" } } as RestPrompt["payload"]),
      row(3, "point", { points: [[2, 2]], labels: [1], box: null, clear_old: false }),
      row(4, "box", { points: null, labels: null, box: [1, 1, 5, 5], clear_old: true }),
      row(5, "point", { points: [[7, 7]], labels: [1], box: null, clear_old: false }, 99),
    ]);
    expect(s.promptAt(1, 0)).toMatchObject({ points: [], labels: [], box: [1, 1, 5, 5] });
    expect(s.promptAt(99, 0)).toBeUndefined();
    // A live click older than the box (arriving late) does not undo the reset.
    s.apply({ type: "prompt.added", seq: 3, by: "a", prompt: { object_id: 1, frame: 0, kind: "point", points: [[2, 2]], labels: [1] } });
    expect(s.promptAt(1, 0)?.points).toEqual([]);
    // Clicks after the box add to it; a live mask prompt after that clears the frame.
    s.apply({ type: "prompt.added", seq: 6, by: "a", prompt: { object_id: 1, frame: 0, kind: "point", points: [[3, 3]], labels: [0] } });
    expect(s.promptAt(1, 0)).toMatchObject({ points: [[3, 3]], labels: [0], box: [1, 1, 5, 5] });
    s.apply({ type: "prompt.added", seq: 7, by: "a", prompt: { object_id: 1, frame: 0, kind: "mask" } });
    expect(s.promptAt(1, 0)).toBeUndefined();
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

  it("shows your own propagation while a teammate's runs alongside", () => {
    const s = new EditorStore();
    s.you = "ann";
    s.apply({ type: "propagation.progress", done: 2, total: 50, frame: 2, by: "bob", job: 1 });
    expect(s.propagation).toMatchObject({ running: true, by: "bob", job: 1 });
    s.startPropagation("ann");
    expect(s.propagation).toMatchObject({ running: true, by: "ann", total: 0 });
    s.apply({ type: "propagation.progress", done: 4, total: 20, frame: 4, by: "ann", job: 2 });
    s.apply({ type: "propagation.progress", done: 9, total: 50, frame: 9, by: "bob", job: 1 });
    expect(s.propagation).toMatchObject({ running: true, by: "ann", job: 2, done: 4 });
    s.apply({ type: "propagation.done", cancelled: false, done: 20, total: 20, by: "ann", job: 2 });
    expect(s.propagation).toMatchObject({ running: true, by: "bob", job: 1, done: 9 });
    s.apply({ type: "propagation.done", cancelled: true, reason: "worker_lost", by: "bob", job: 1 });
    expect(s.propagation).toMatchObject({ running: false, by: "bob", result: "worker_lost", done: 9 });
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
