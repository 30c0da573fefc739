// Paints every visible object's mask of one frame into one canvas.
// The canvas is stored transposed (width = video height): a COCO RLE is column-major, so each
// run is one contiguous TypedArray.fill, and CSS flips the canvas back (matrix(0,1,1,0,0,0)).

import type { ObjectOut } from "../protocol/messages";
import { columnIntervals, paintIntervals, rgbaWord, type ColumnIntervals } from "../rle/rle";
import type { MaskEntry } from "./store";

/** Mixes a "#rrggbb" colour toward white, so outlines stand out from their own fill. */
export function lighten(hex: string, amount: number): string {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return hex;
  const v = parseInt(m[1], 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const r = mix((v >> 16) & 255), g = mix((v >> 8) & 255), b = mix(v & 255);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, "0")}`;
}

export interface PaintStats {
  objects: number;
  area: number;
  ms: number;
}

export class OverlayPainter {
  private buf: Uint32Array<ArrayBuffer>;
  private image: ImageData | null = null;
  private ctx: CanvasRenderingContext2D | null;
  private decoded = new WeakMap<object, ColumnIntervals>();
  /** Column range written last time, so clearing touches only that. */
  private dirty: [number, number] | null = null;
  readonly thickness: number;

  constructor(
    private canvas: HTMLCanvasElement,
    readonly width: number,
    readonly height: number,
  ) {
    canvas.width = height;
    canvas.height = width;
    // A CPU-backed canvas: putImageData is then a memcpy, and tests can read pixels back.
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.buf = new Uint32Array(width * height);
    if (this.ctx) {
      this.image = new ImageData(new Uint8ClampedArray(this.buf.buffer as ArrayBuffer), height, width);
    }
    // About one to two screen pixels at typical zoom (2 px at 1080p, 1 px at 640x360).
    this.thickness = Math.max(1, Math.round(Math.max(width, height) / 900));
  }

  intervals(entry: MaskEntry): ColumnIntervals | null {
    let ci = this.decoded.get(entry.rle);
    if (!ci) {
      if (entry.rle.size[0] !== this.height || entry.rle.size[1] !== this.width) return null;
      ci = columnIntervals(entry.rle);
      this.decoded.set(entry.rle, ci);
    }
    return ci;
  }

  paint(
    masks: Map<number, MaskEntry> | undefined,
    objects: Map<number, ObjectOut>,
    hidden: Set<number>,
    opacity: number,
    selected: number | null,
  ): PaintStats {
    const t0 = performance.now();
    const h = this.height;
    if (this.dirty) this.buf.fill(0, this.dirty[0] * h, (this.dirty[1] + 1) * h);
    let minX = Infinity, maxX = -1;
    let count = 0, area = 0;
    if (masks) {
      // Selected object last, so it sits on top.
      const order = [...masks.keys()].filter((id) => objects.has(id) && !hidden.has(id));
      order.sort((a, b) => (a === selected ? 1 : b === selected ? -1 : a - b));
      for (const id of order) {
        const entry = masks.get(id)!;
        if (entry.empty) continue;
        const ci = this.intervals(entry);
        if (!ci || !ci.bbox) continue;
        const color = objects.get(id)!.color;
        const alpha = id === selected ? Math.min(1, opacity + 0.12) : opacity;
        paintIntervals(this.buf, ci, rgbaWord(color, alpha), rgbaWord(lighten(color, 0.35), 1), this.thickness);
        minX = Math.min(minX, ci.bbox[0]);
        maxX = Math.max(maxX, ci.bbox[0] + ci.bbox[2] - 1);
        count++;
        area += ci.area;
      }
    }
    const prev = this.dirty;
    this.dirty = maxX >= 0 ? [minX, maxX] : null;
    if (this.ctx && this.image) {
      // Upload only the columns (canvas rows) that changed since the last paint.
      const lo = Math.min(prev ? prev[0] : Infinity, this.dirty ? this.dirty[0] : Infinity);
      const hi = Math.max(prev ? prev[1] : -1, this.dirty ? this.dirty[1] : -1);
      if (hi >= lo && Number.isFinite(lo)) {
        this.ctx.putImageData(this.image, 0, 0, 0, lo, h, hi - lo + 1);
      }
    }
    const ms = performance.now() - t0;
    this.canvas.dataset.paintedObjects = String(count);
    this.canvas.dataset.maskArea = String(area);
    return { objects: count, area, ms };
  }

  /** Whether video pixel (x, y) is painted, read back from the canvas (for tests). */
  alphaAt(x: number, y: number): number {
    return (this.buf[x * this.height + y] >>> 24) & 255;
  }
}
