import { describe, expect, it } from "vitest";
import fixtures from "./__fixtures__/coco_rle.json";
import {
  columnIntervals,
  decodeCounts,
  decodeRle,
  encodeRle,
  intersect,
  paintIntervals,
  rgbaWord,
  rleArea,
  subtract,
} from "./rle";
import type { Rle } from "../api/types";

interface Case {
  name: string;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
  rows: string[];
}
const cases = (fixtures as unknown as { cases: Case[] }).cases;

/** Column-major mask from the fixture's row-major rows, as pycocotools lays it out. */
function expectedColumnMajor(c: Case): Uint8Array {
  const [h, w] = c.rle.size;
  const m = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[x * h + y] = c.rows[y][x] === "1" ? 1 : 0;
  return m;
}

describe("COCO RLE against pycocotools fixtures", () => {
  it("has fixtures to check", () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of cases) {
    it(`decodes "${c.name}" to pycocotools' column-major mask`, () => {
      const got = decodeRle(c.rle);
      expect(got.length).toBe(c.rle.size[0] * c.rle.size[1]);
      expect(Array.from(got)).toEqual(Array.from(expectedColumnMajor(c)));
    });

    it(`re-encodes "${c.name}" to the same counts string`, () => {
      const [h, w] = c.rle.size;
      expect(encodeRle(expectedColumnMajor(c), h, w)).toEqual(c.rle);
    });

    it(`computes area and bbox of "${c.name}" like pycocotools`, () => {
      expect(rleArea(c.rle)).toBe(c.area);
      const ci = columnIntervals(c.rle);
      expect(ci.area).toBe(c.area);
      if (c.area === 0) expect(ci.bbox).toBeNull();
      else expect(ci.bbox).toEqual(c.bbox);
    });

    it(`paints exactly the mask pixels of "${c.name}"`, () => {
      const [h, w] = c.rle.size;
      const buf = new Uint32Array(h * w);
      paintIntervals(buf, columnIntervals(c.rle), 7, 9, 0);
      const expected = expectedColumnMajor(c);
      expect(Array.from(buf, (v) => (v ? 1 : 0))).toEqual(Array.from(expected));
    });
  }

  it("rejects a counts string that does not cover the image", () => {
    expect(() => decodeRle({ size: [4, 4], counts: "05" })).toThrow(/covers/);
  });

  it("decodes runs with negative deltas", () => {
    const c = cases.find((x) => x.name.startsWith("long runs"))!;
    const counts = decodeCounts(c.rle.counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(c.rle.size[0] * c.rle.size[1]);
  });
});

describe("mask outline", () => {
  it("outlines the border of a filled square and leaves its inside", () => {
    const h = 10, w = 10;
    const m = new Uint8Array(h * w);
    for (let x = 2; x < 8; x++) for (let y = 2; y < 8; y++) m[x * h + y] = 1;
    const buf = new Uint32Array(h * w);
    paintIntervals(buf, columnIntervals(encodeRle(m, h, w)), 1, 2, 1);
    const at = (x: number, y: number) => buf[x * h + y];
    expect(at(2, 2)).toBe(2);
    expect(at(5, 2)).toBe(2);
    expect(at(2, 5)).toBe(2);
    expect(at(7, 7)).toBe(2);
    expect(at(5, 5)).toBe(1);
    expect(at(3, 3)).toBe(1);
    expect(at(1, 1)).toBe(0);
    expect(at(8, 5)).toBe(0);
  });

  it("draws a thicker outline when asked", () => {
    const h = 12, w = 12;
    const m = new Uint8Array(h * w);
    for (let x = 1; x < 11; x++) for (let y = 1; y < 11; y++) m[x * h + y] = 1;
    const buf = new Uint32Array(h * w);
    paintIntervals(buf, columnIntervals(encodeRle(m, h, w)), 1, 2, 2);
    expect(buf[2 * h + 6]).toBe(2); // second column in from the left edge
    expect(buf[6 * h + 2]).toBe(2); // second row in from the top
    expect(buf[3 * h + 6]).toBe(1);
  });

  it("intersects and subtracts interval lists", () => {
    expect(intersect([0, 5, 8, 12], [3, 9])).toEqual([3, 5, 8, 9]);
    expect(subtract([0, 10], [2, 4, 6, 7])).toEqual([0, 2, 4, 6, 7, 10]);
    expect(subtract([0, 10], [])).toEqual([0, 10]);
    expect(subtract([0, 3], [0, 3])).toEqual([]);
  });
});

describe("rgbaWord", () => {
  it("packs colour and alpha little-endian for ImageData", () => {
    const bytes = new Uint8Array(Uint32Array.of(rgbaWord("#102030", 0.5)).buffer);
    expect(Array.from(bytes)).toEqual([0x10, 0x20, 0x30, 128]);
  });
});
