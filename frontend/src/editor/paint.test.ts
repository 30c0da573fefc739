import { describe, expect, it } from "vitest";
import { decodeRle } from "../rle/rle";
import { editableMask, fillHoles, fillPolygon, maskToRle, paintSegment, removeSpecks } from "./paint";

const H = 20, W = 30;
const at = (m: Uint8Array, x: number, y: number) => m[x * H + y];
const area = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

describe("brush and eraser", () => {
  it("a dab paints a disc of the brush radius around the cursor", () => {
    const m = new Uint8Array(H * W);
    expect(paintSegment(m, H, W, 10, 10, 10, 10, 3, 1)).toBe(true);
    expect(at(m, 10, 10)).toBe(1);
    expect(at(m, 12, 10)).toBe(1); // centre (12.5, 10.5) is 2.55 px away
    expect(at(m, 13, 10)).toBe(0); // 3.5 px away
    // About pi r^2 pixels.
    expect(Math.abs(area(m) - Math.PI * 9)).toBeLessThan(6);
  });

  it("a drag paints a capsule and the eraser takes it away again", () => {
    const m = new Uint8Array(H * W);
    paintSegment(m, H, W, 5, 10, 25, 10, 2, 1);
    for (let x = 5; x < 25; x++) expect(at(m, x, 10)).toBe(1);
    expect(at(m, 15, 14)).toBe(0);
    paintSegment(m, H, W, 0, 10, 30, 10, 4, 0);
    expect(area(m)).toBe(0);
    // Nothing left to erase: reports no change.
    expect(paintSegment(m, H, W, 0, 10, 30, 10, 4, 0)).toBe(false);
  });

  it("clips at the image border", () => {
    const m = new Uint8Array(H * W);
    paintSegment(m, H, W, -5, -5, 2, 2, 3, 1);
    expect(at(m, 0, 0)).toBe(1);
    expect(m.length).toBe(H * W);
  });
});

describe("polygon", () => {
  it("fills the pixels whose centre is inside", () => {
    const m = new Uint8Array(H * W);
    const n = fillPolygon(m, H, W, [[2, 3], [12, 3], [12, 9], [2, 9]], 1);
    expect(n).toBe(10 * 6);
    expect(area(m)).toBe(60);
    expect(at(m, 2, 3)).toBe(1);
    expect(at(m, 11, 8)).toBe(1);
    expect(at(m, 12, 8)).toBe(0);
    expect(at(m, 2, 9)).toBe(0);
  });

  it("fills a triangle and ignores fewer than three vertices", () => {
    const m = new Uint8Array(H * W);
    expect(fillPolygon(m, H, W, [[1, 1], [5, 5]], 1)).toBe(0);
    fillPolygon(m, H, W, [[0, 0], [20, 0], [0, 20]], 1);
    expect(at(m, 1, 1)).toBe(1);
    expect(at(m, 15, 15)).toBe(0);
    expect(Math.abs(area(m) - 200)).toBeLessThan(12);
  });
});

describe("fill holes and remove specks", () => {
  // A 10x10 square at (5..14, 5..14) with a 2x2 hole and a 4x4 hole, plus two specks.
  const make = () => {
    const m = new Uint8Array(H * W);
    fillPolygon(m, H, W, [[5, 5], [15, 5], [15, 15], [5, 15]], 1);
    fillPolygon(m, H, W, [[7, 7], [9, 7], [9, 9], [7, 9]], 0);
    fillPolygon(m, H, W, [[10, 10], [14, 10], [14, 14], [10, 14]], 0);
    m[25 * H + 2] = 1;
    fillPolygon(m, H, W, [[20, 15], [23, 15], [23, 18], [20, 18]], 1);
    return m;
  };

  it("fills holes up to the size only, never the background at the border", () => {
    const m = make();
    expect(fillHoles(m, H, W, 4)).toBe(4);
    expect(at(m, 8, 8)).toBe(1);
    expect(at(m, 12, 12)).toBe(0);
    expect(fillHoles(m, H, W)).toBe(16);
    expect(at(m, 0, 0)).toBe(0);
  });

  it("removes pieces under the size and keeps the object", () => {
    const m = make();
    expect(removeSpecks(m, H, W, 5)).toBe(1);
    expect(at(m, 25, 2)).toBe(0);
    expect(at(m, 21, 16)).toBe(1);
    expect(removeSpecks(m, H, W, 10)).toBe(9);
    // Everything is under 1000 pixels: the largest piece still stays.
    const before = area(m);
    expect(removeSpecks(m, H, W, 1000)).toBe(0);
    expect(area(m)).toBe(before);
  });

  it("treats diagonal neighbours as one piece", () => {
    const m = new Uint8Array(H * W);
    m[3 * H + 3] = 1;
    m[4 * H + 4] = 1;
    m[10 * H + 10] = 1;
    m[11 * H + 10] = 1;
    m[12 * H + 10] = 1;
    expect(removeSpecks(m, H, W, 3)).toBe(2);
  });
});

describe("round trip through the wire format", () => {
  it("an edited mask encodes to an RLE that decodes to the same pixels", () => {
    const m = editableMask(null, H, W);
    paintSegment(m, H, W, 0, 0, 29, 19, 3, 1);
    const rle = maskToRle(m, H, W);
    expect(rle.size).toEqual([H, W]);
    expect(decodeRle(rle)).toEqual(m);
    expect(editableMask(rle, H, W)).toEqual(m);
    // A mask of another size is not this video's: start empty.
    expect(area(editableMask({ size: [2, 2], counts: "04" }, H, W))).toBe(0);
  });
});
