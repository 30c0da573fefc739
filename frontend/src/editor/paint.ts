// Hand edits of one object's mask: brush and eraser strokes, polygons, filling holes and
// removing specks. Masks are column-major 0/1 arrays (index x * h + y), the layout of a COCO
// RLE, so a finished edit encodes straight to the `prompt.mask` the server expects.

import type { Rle } from "../api/types";
import { decodeRle, encodeRle } from "../rle/rle";

export type Mask = Uint8Array;

/** The object's current mask as a fresh editable array (all zeros when it has none). */
export function editableMask(rle: Rle | undefined | null, h: number, w: number): Mask {
  if (rle && rle.size[0] === h && rle.size[1] === w) return decodeRle(rle);
  return new Uint8Array(h * w);
}

/** pycocotools-compatible compressed RLE of a column-major mask (see rle.ts encodeRle). */
export function maskToRle(mask: Mask, h: number, w: number): Rle {
  return encodeRle(mask, h, w);
}

/**
 * A round brush dragged from (x0, y0) to (x1, y1), in video pixels: every pixel whose centre
 * lies within `radius` of the segment gets `value`. Returns whether any pixel changed.
 */
export function paintSegment(
  mask: Mask, h: number, w: number,
  x0: number, y0: number, x1: number, y1: number,
  radius: number, value: 0 | 1,
): boolean {
  const r = Math.max(0.5, radius);
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - r));
  const xb = Math.min(w - 1, Math.ceil(Math.max(x0, x1) + r));
  const dx = x1 - x0, dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const r2 = r * r;
  let changed = false;
  for (let x = xa; x <= xb; x++) {
    const px = x + 0.5;
    const base = x * h;
    const ya = Math.max(0, Math.floor(Math.min(y0, y1) - r));
    const yb = Math.min(h - 1, Math.ceil(Math.max(y0, y1) + r));
    for (let y = ya; y <= yb; y++) {
      const py = y + 0.5;
      let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
      if (ex * ex + ey * ey <= r2 && mask[base + y] !== value) {
        mask[base + y] = value;
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * Fills a polygon (vertices in video pixels, even-odd rule): pixels whose centre is inside get
 * `value`. Column by column, so each column's spans are contiguous fills.
 */
export function fillPolygon(mask: Mask, h: number, w: number, pts: [number, number][], value: 0 | 1): number {
  if (pts.length < 3) return 0;
  let minX = Infinity, maxX = -Infinity;
  for (const [x] of pts) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
  }
  const xa = Math.max(0, Math.floor(minX)), xb = Math.min(w - 1, Math.ceil(maxX));
  const ys: number[] = [];
  let count = 0;
  for (let x = xa; x <= xb; x++) {
    const px = x + 0.5;
    ys.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i], [xj, yj] = pts[j];
      // Half-open on x so a vertex exactly on the scan line counts once.
      if ((xi <= px) !== (xj <= px)) ys.push(yi + ((px - xi) * (yj - yi)) / (xj - xi));
    }
    ys.sort((a, b) => a - b);
    const base = x * h;
    for (let k = 0; k + 1 < ys.length; k += 2) {
      // Rows whose centre y + 0.5 lies in [ys[k], ys[k+1]).
      const y0 = Math.max(0, Math.ceil(ys[k] - 0.5));
      const y1 = Math.min(h, Math.ceil(ys[k + 1] - 0.5));
      if (y1 > y0) {
        mask.fill(value, base + y0, base + y1);
        count += y1 - y0;
      }
    }
  }
  return count;
}

/**
 * Connected components of pixels equal to `value` (4-connected for background, 8 for
 * foreground, so a hole and the mask around it never both leak through a diagonal). Calls
 * `visit(pixels, size, touchesBorder)` per component; `pixels` is reused between calls.
 */
function components(
  mask: Mask, h: number, w: number, value: 0 | 1,
  visit: (pixels: Int32Array, size: number, border: boolean) => void,
): void {
  const seen = new Uint8Array(h * w);
  const queue = new Int32Array(h * w);
  const eight = value === 1;
  for (let start = 0; start < h * w; start++) {
    if (seen[start] || mask[start] !== value) continue;
    let head = 0, tail = 0, border = false;
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const p = queue[head++];
      const x = (p / h) | 0, y = p - x * h;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) border = true;
      for (let ox = -1; ox <= 1; ox++) {
        const nx = x + ox;
        if (nx < 0 || nx >= w) continue;
        for (let oy = -1; oy <= 1; oy++) {
          if ((ox === 0 && oy === 0) || (!eight && ox !== 0 && oy !== 0)) continue;
          const ny = y + oy;
          if (ny < 0 || ny >= h) continue;
          const q = nx * h + ny;
          if (!seen[q] && mask[q] === value) {
            seen[q] = 1;
            queue[tail++] = q;
          }
        }
      }
    }
    visit(queue, tail, border);
  }
}

/** Fills holes (background regions not touching the image border) of at most `maxArea`
 *  pixels. Returns the number of pixels filled. */
export function fillHoles(mask: Mask, h: number, w: number, maxArea = Infinity): number {
  let filled = 0;
  components(mask, h, w, 0, (px, n, border) => {
    if (border || n > maxArea) return;
    for (let i = 0; i < n; i++) mask[px[i]] = 1;
    filled += n;
  });
  return filled;
}

/** Removes foreground specks (8-connected pieces) smaller than `minArea` pixels; the largest
 *  piece always stays, so the object never vanishes by accident. Returns pixels removed. */
export function removeSpecks(mask: Mask, h: number, w: number, minArea: number): number {
  const pieces: { px: Int32Array; n: number }[] = [];
  let largest = 0;
  components(mask, h, w, 1, (px, n) => {
    largest = Math.max(largest, n);
    if (n < minArea) pieces.push({ px: px.slice(0, n), n });
  });
  let removed = 0;
  let keptLargest = false;
  for (const { px, n } of pieces) {
    if (n === largest && !keptLargest) {
      keptLargest = true;
      continue;
    }
    for (let i = 0; i < n; i++) mask[px[i]] = 0;
    removed += n;
  }
  return removed;
}
