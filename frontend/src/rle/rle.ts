// COCO run-length masks: decode pycocotools' compressed `counts` strings, and paint them.
// A COCO mask is column-major: flat index i = x * h + y, runs alternate 0s and 1s, 0s first.

import type { Rle } from "../api/types";

/** Decodes a compressed counts string into run lengths (pycocotools rleFrString). */
export function decodeCounts(s: string): Uint32Array {
  // Every count takes at least one character, so s.length bounds the number of counts.
  const out = new Uint32Array(s.length);
  let m = 0;
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
    if (m > 2) x += out[m - 2];
    if (x < 0) throw new Error("invalid RLE counts string");
    out[m++] = x;
  }
  return out.subarray(0, m);
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
  // Upper bound on intervals: each run of ones covers at most floor(n/h) + 2 columns.
  let cap = 0;
  for (let i = 1; i < counts.length; i += 2) if (counts[i] > 0) cap += 2 * (Math.floor(counts[i] / h) + 2);
  const ys = new Uint32Array(cap);
  let n = 0;
  const start = new Uint32Array(w + 1);
  let col = 0;
  let pos = 0;
  let area = 0;
  let minX = w, minY = h, maxX = -1, maxY = -1;
  for (let i = 0; i < counts.length; i++) {
    const len = counts[i];
    if (i & 1 && len > 0) {
      area += len;
      let p = pos;
      const end = pos + len;
      while (p < end) {
        const x = (p / h) | 0;
        const y0 = p - x * h;
        const y1 = Math.min(h, y0 + (end - p));
        while (col < x) start[++col] = n;
        ys[n++] = y0;
        ys[n++] = y1;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y0 < minY) minY = y0;
        if (y1 - 1 > maxY) maxY = y1 - 1;
        p += y1 - y0;
      }
    }
    pos += len;
  }
  while (col < w) start[++col] = n;
  const bbox: ColumnIntervals["bbox"] =
    maxX >= 0 ? [minX, minY, maxX - minX + 1, maxY - minY + 1] : null;
  return { h, w, start, ys: ys.subarray(0, n), area, bbox };
}

/** Intersection of two sorted disjoint interval lists (flat pairs). */
export function intersect(a: number[], b: number[]): number[] {
  const out = new Int32Array(a.length + b.length);
  const n = intersectInto(Int32Array.from(a), 0, a.length, Int32Array.from(b), 0, b.length, out);
  return Array.from(out.subarray(0, n));
}

/** a minus b, both sorted disjoint interval lists (flat pairs). */
export function subtract(a: number[], b: number[]): number[] {
  const out = new Int32Array(a.length + b.length + 2);
  const n = subtractInto(Int32Array.from(a), 0, a.length, Int32Array.from(b), 0, b.length, out);
  return Array.from(out.subarray(0, n));
}

type Ints = Int32Array | Uint32Array;

/** Writes a[aLo..aHi) ∩ b[bLo..bHi) into out; returns the number of values written. */
function intersectInto(a: Ints, aLo: number, aHi: number, b: Ints, bLo: number, bHi: number, out: Int32Array): number {
  let i = aLo, j = bLo, n = 0;
  while (i < aHi && j < bHi) {
    const lo = a[i] > b[j] ? a[i] : b[j];
    const hi = a[i + 1] < b[j + 1] ? a[i + 1] : b[j + 1];
    if (lo < hi) {
      out[n++] = lo;
      out[n++] = hi;
    }
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return n;
}

/** Writes a[aLo..aHi) minus b[bLo..bHi) into out; returns the number of values written. */
function subtractInto(a: Ints, aLo: number, aHi: number, b: Ints, bLo: number, bHi: number, out: Int32Array): number {
  let j = bLo, n = 0;
  for (let i = aLo; i < aHi; i += 2) {
    let lo = a[i];
    const hi = a[i + 1];
    while (j < bHi && b[j + 1] <= lo) j += 2;
    let k = j;
    while (k < bHi && b[k] < hi) {
      if (b[k] > lo) {
        out[n++] = lo;
        out[n++] = b[k];
      }
      if (b[k + 1] > lo) lo = b[k + 1];
      k += 2;
    }
    if (lo < hi) {
      out[n++] = lo;
      out[n++] = hi;
    }
  }
  return n;
}

// Scratch space for the outline pass, grown on demand and reused across paints.
let scratchA = new Int32Array(256);
let scratchB = new Int32Array(256);
let scratchC = new Int32Array(256);

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
  const x0 = ci.bbox ? ci.bbox[0] : 0;
  const x1 = ci.bbox ? ci.bbox[0] + ci.bbox[2] : 0;
  if (fill !== 0) {
    for (let x = x0; x < x1; x++) {
      const base = x * h;
      for (let k = start[x]; k < start[x + 1]; k += 2) buf.fill(fill, base + ys[k], base + ys[k + 1]);
    }
  }
  if (thickness <= 0) return;
  const t = thickness;
  let maxCol = 0;
  for (let x = x0; x < x1; x++) maxCol = Math.max(maxCol, start[x + 1] - start[x]);
  if (scratchA.length < maxCol + 4) {
    const n = 2 * maxCol + 4;
    scratchA = new Int32Array(n);
    scratchB = new Int32Array(n);
    scratchC = new Int32Array(2 * n);
  }
  for (let x = x0; x < x1; x++) {
    const lo = start[x], hi = start[x + 1];
    if (lo === hi) continue;
    const base = x * h;
    // Vertical edges: the first and last t pixels of each interval.
    for (let k = lo; k < hi; k += 2) {
      const y0 = ys[k], y1 = ys[k + 1];
      buf.fill(outline, base + y0, base + Math.min(y1, y0 + t));
      buf.fill(outline, base + Math.max(y0, y1 - t), base + y1);
    }
    // Horizontal edges: pixels not covered by every neighbour column within t.
    let cov: Ints = ys, cLo = lo, cHi = hi;
    let useA = true;
    for (let d = 1; d <= t && cHi > cLo; d++) {
      for (const nx of [x - d, x + d]) {
        if (cHi <= cLo) break;
        const out = useA ? scratchA : scratchB;
        const n = nx < 0 || nx >= w ? 0 : intersectInto(cov, cLo, cHi, ys, start[nx], start[nx + 1], out);
        cov = out;
        cLo = 0;
        cHi = n;
        useA = !useA;
      }
    }
    const n = subtractInto(ys, lo, hi, cov, cLo, cHi, scratchC);
    for (let k = 0; k < n; k += 2) buf.fill(outline, base + scratchC[k], base + scratchC[k + 1]);
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
