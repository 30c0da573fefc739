import { describe, expect, it } from "vitest";
import { FrameLru, maskBytes } from "./maskCache";
import { EditorStore } from "./store";
import type { ObjectOut } from "../protocol/messages";

const obj = (id: number): ObjectOut => ({ id, label: null, name: `o${id}`, color: "#e6194b", review_status: "draft", seq: 1 });
// A 48x64 mask with some pixels: the counts string is what the bound is measured in.
const RLE = { size: [48, 64] as [number, number], counts: "b0a0" + "1O".repeat(40) + "hd0" };

describe("FrameLru", () => {
  it("evicts the least recently used frames past the frame or byte bound, never a kept one", () => {
    const lru = new FrameLru(3, 1000);
    lru.touch(1, 100);
    lru.touch(2, 100);
    lru.touch(3, 100);
    lru.touch(1); // 2 is now the oldest
    lru.touch(4, 100);
    expect(lru.evict(() => false)).toEqual([2]);
    lru.touch(5, 900); // over the byte bound: 3 and 1 go, 4 is kept
    expect(lru.evict((f) => f === 4 || f === 5)).toEqual([3, 1]);
    expect(lru.size).toBe(2);
    expect(lru.bytes).toBe(1000);
    lru.touch(99); // unknown frames are not added by a plain touch
    expect(lru.has(99)).toBe(false);
  });

  it("measures a frame's masks by their RLE text", () => {
    expect(maskBytes([{ rle: { counts: "abcd" } }, { rle: { counts: "" } }])).toBe(96 + 8 + 96);
  });
});

describe("EditorStore mask memory", () => {
  it("stays bounded while 10,000 frames x 50 objects are loaded, and re-reads evicted frames", () => {
    const s = new EditorStore();
    s.loadObjects(Array.from({ length: 50 }, (_, i) => obj(i + 1)));
    s.maskLru.maxFrames = 500;
    for (let f = 0; f < 10000; f++) {
      const epoch = s.beginFrameLoad(f);
      s.loadFrameMasks(f, Array.from({ length: 50 }, (_, i) => ({ object_id: i + 1, frame: f, rle: RLE, score: 1, source: "propagation" as const })), epoch);
    }
    expect(s.masks.size).toBe(500);
    expect(s.maskLru.size).toBe(500);
    expect(s.maskLru.bytes).toBeLessThanOrEqual(s.maskLru.maxBytes);
    // The oldest frames went, and will be read again over REST when visited.
    expect(s.masksAt(0)).toBeUndefined();
    expect(s.loadedFrames.has(0)).toBe(false);
    expect(s.masksAt(9999)?.size).toBe(50);
  });

  it("bounds by bytes too, keeping the frame just written and recently viewed ones", () => {
    const s = new EditorStore();
    s.loadObjects([obj(1)]);
    const per = maskBytes([{ rle: RLE }]);
    s.maskLru.maxBytes = per * 10;
    for (let f = 0; f < 100; f++) {
      s.apply({ type: "masks", seq: f + 1, frame: f, source: "propagation", by: "a", masks: [{ object_id: 1, rle: RLE, score: 1 }] });
      s.masksAt(3); // the frame on screen stays
    }
    expect(s.masks.size).toBeLessThanOrEqual(10);
    expect(s.masksAt(3)).toBeDefined();
    expect(s.masksAt(99)).toBeDefined();
  });
});
