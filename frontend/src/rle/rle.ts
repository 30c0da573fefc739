// COCO run-length masks: decode pycocotools' compressed `counts` strings, and paint them.
// A COCO mask is column-major: flat index i = x * h + y, runs alternate 0s and 1s, 0s first.

import type { Rle } from "../api/types";

/** Decodes a compressed counts string into run lengths (pycocotools rleFrString). */
export function decodeCounts(s: string): Uint32Array {
  const out: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      if (p >= s.length) throw new Error("truncated RLE counts string");
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      // Sign-extend the last 5-bit group; 32-bit JS ints are enough for any image size.
      if (!more && c & 0x10 && 5 * k < 32) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2];
    if (x < 0) throw new Error("invalid RLE counts string");
    out.push(x);
  }
  return Uint32Array.from(out);
}

/** Encodes run lengths into a compressed counts string (pycocotools rleToString). */
export function encodeCounts(counts: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = 1;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? (x !== -1 ? 1 : 0) : x !== 0 ? 1 : 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** Column-major 0/1 mask of size h*w, exactly like pycocotools.mask.decode (Fortran order). */
export function decodeRle(rle: Rle): Uint8Array {
  const [h, w] = rle.size;
  const counts = decodeCounts(rle.counts);
  const mask = new Uint8Array(h * w);
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (i & 1) mask.fill(1, pos, Math.min(pos + n, mask.length));
    pos += n;
  }
  if (pos !== h * w) throw new Error(`RLE covers ${pos} pixels, expected ${h * w}`);
  return mask;
}

/** Encodes a column-major 0/1 mask (the inverse of decodeRle). */
export function encodeRle(mask: ArrayLike<number>, h: number, w: number): Rle {
  const counts: number[] = [];
  let cur = 0;
  let run = 0;
  for (let i = 0; i < h * w; i++) {
    const v = mask[i] ? 1 : 0;
    if (v !== cur) {
      counts.push(run);
      run = 0;
      cur = v;
    }
    run++;
  }
  counts.push(run);
  return { size: [h, w], counts: encodeCounts(counts) };
}

export function rleArea(rle: Rle): number {
  const counts = decodeCounts(rle.counts);
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}

/**
 * Per-column foreground intervals: for column x, pairs [y0, y1) live in
 * ys[start[x] .. start[x+1]) (two numbers per interval). Cost is O(runs + w).
 */
export interface ColumnIntervals {
  h: number;
  w: number;
  start: Uint32Array; // length w + 1, in numbers (not pairs)
  ys: Uint32Array;
  area: number;
  bbox: [number, number, number, number] | null; // x, y, w, h
}

export function columnIntervals(rle: Rle): ColumnIntervals {
  const [h, w] = rle.size;
  const counts = decodeCounts(rle.counts);
  const ys: number[] = [];
  const start = new Uint32Array(w + 1);
  let col = 0;
  let pos = 0;
  let area = 0;
  let minX = w, minY = h, maxX = -1, maxY = -1;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (i & 1 && n > 0) {
      area += n;
      let p = pos;
      const end = pos + n;
      while (p < end) {
        const x = Math.floor(p / h);
        const y0 = p - x * h;
        const y1 = Math.min(h, y0 + (end - p));
        while (col < x) start[++col] = ys.length;
        ys.push(y0, y1);
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y0 < minY) minY = y0;
        if (y1 - 1 > maxY) maxY = y1 - 1;
        p += y1 - y0;
      }
    }
    pos += n;
  }
  while (col < w) start[++col] = ys.length;
  const bbox: ColumnIntervals["bbox"] =
    maxX >= 0 ? [minX, minY, maxX - minX + 1, maxY - minY + 1] : null;
  return { h, w, start, ys: Uint32Array.from(ys), area, bbox };
}

function column(ci: ColumnIntervals, x: number): number[] {
  if (x < 0 || x >= ci.w) return [];
  return Array.prototype.slice.call(ci.ys, ci.start[x], ci.start[x + 1]) as number[];
}

/** Intersection of two sorted disjoint interval lists (flat pairs). */
export function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i], b[j]);
    const hi = Math.min(a[i + 1], b[j + 1]);
    if (lo < hi) out.push(lo, hi);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

/** a minus b, both sorted disjoint interval lists (flat pairs). */
export function subtract(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i];
    const hi = a[i + 1];
    while (j < b.length && b[j + 1] <= lo) j += 2;
    let k = j;
    while (k < b.length && b[k] < hi) {
      if (b[k] > lo) out.push(lo, b[k]);
      lo = Math.max(lo, b[k + 1]);
      k += 2;
    }
    if (lo < hi) out.push(lo, hi);
  }
  return out;
}

/**
 * Paints a mask into a column-major RGBA buffer (index x*h + y, i.e. a canvas of width h
 * and height w that CSS shows transposed). Runs are contiguous there, so every write is a
 * TypedArray.fill: the cost follows the number of runs and the area, not the frame size.
 * `thickness` > 0 also paints an inner outline of that many pixels in `outline`.
 */
export function paintIntervals(
  buf: Uint32Array,
  ci: ColumnIntervals,
  fill: number,
  outline: number,
  thickness: number,
): void {
  const { h, w, start, ys } = ci;
  if (fill !== 0) {
    for (let x = 0; x < w; x++) {
      const base = x * h;
      for (let k = start[x]; k < start[x + 1]; k += 2) buf.fill(fill, base + ys[k], base + ys[k + 1]);
    }
  }
  if (thickness <= 0) return;
  const t = thickness;
  for (let x = 0; x < w; x++) {
    if (start[x] === start[x + 1]) continue;
    const base = x * h;
    const own = column(ci, x);
    // Vertical edges: the first and last t pixels of each interval.
    for (let k = 0; k < own.length; k += 2) {
      const y0 = own[k], y1 = own[k + 1];
      buf.fill(outline, base + y0, base + Math.min(y1, y0 + t));
      buf.fill(outline, base + Math.max(y0, y1 - t), base + y1);
    }
    // Horizontal edges: pixels not covered by all neighbour columns within t.
    let covered = own;
    for (let d = 1; d <= t && covered.length; d++) {
      covered = intersect(covered, column(ci, x - d));
      if (covered.length) covered = intersect(covered, column(ci, x + d));
    }
    const edge = subtract(own, covered);
    for (let k = 0; k < edge.length; k += 2) buf.fill(outline, base + edge[k], base + edge[k + 1]);
  }
}

/** "#rrggbb" + alpha (0..1) → a little-endian RGBA word for a Uint32Array over ImageData. */
export function rgbaWord(hex: string, alpha: number): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  const v = m ? parseInt(m[1], 16) : 0xe6194b;
  const r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
  const a = Math.max(0, Math.min(255, Math.round(alpha * 255)));
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
