// The timeline's visible frame window (zoom and scroll) and the drawing of coverage runs and
// prompt marks for that window only, so a 10,000-frame video with 50 tracks draws in
// proportion to what is on screen, not to the video's length.
import type { Track } from "./store";

/** The visible frames: [start, start + span), in (fractional) frames. */
export interface TimelineWindow {
  start: number;
  span: number;
}

/** The fewest frames the timeline zooms in to. */
export const MIN_SPAN = 20;

export function clampWindow(w: TimelineWindow, numFrames: number): TimelineWindow {
  const n = Math.max(1, numFrames);
  const span = Math.max(Math.min(n, MIN_SPAN), Math.min(n, w.span));
  const start = Math.max(0, Math.min(n - span, w.start));
  return { start, span };
}

/** Zooms by `factor` (< 1: in) keeping the frame under `at` (0..1 of the width) in place. */
export function zoomWindow(w: TimelineWindow, numFrames: number, factor: number, at = 0.5): TimelineWindow {
  const anchor = w.start + at * w.span;
  const span = Math.max(Math.min(numFrames, MIN_SPAN), Math.min(numFrames, w.span * factor));
  return clampWindow({ start: anchor - at * span, span }, numFrames);
}

/** Keeps the playhead in view: a frame past either edge pages the window to it. */
export function followWindow(w: TimelineWindow, numFrames: number, frame: number): TimelineWindow {
  if (frame >= w.start && frame + 1 <= w.start + w.span) return w;
  const start = frame < w.start ? frame + 1 - w.span * 0.9 : frame - w.span * 0.1;
  return clampWindow({ start, span: w.span }, numFrames);
}

/** A track's masked frames as sorted runs [first0, last0, first1, last1, ...]. */
const runsCache = new WeakMap<Track, { version: number; runs: Int32Array }>();
export function trackRuns(track: Track, version: number): Int32Array {
  const hit = runsCache.get(track);
  if (hit && hit.version === version) return hit.runs;
  const frames = Int32Array.from(track.maskFrames).sort();
  const out: number[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j] + 1) j++;
    out.push(frames[i], frames[j]);
    i = j + 1;
  }
  const runs = Int32Array.from(out);
  runsCache.set(track, { version, runs });
  return runs;
}

/** Index of the first run whose last frame is >= `frame` (binary search). */
export function firstRunFrom(runs: Int32Array, frame: number): number {
  let lo = 0, hi = runs.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[2 * mid + 1] < frame) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface RowPaint {
  track: Track | undefined;
  color: string;
  selected: boolean;
}

/** Draws rows of tracks into `ctx` (CSS pixels), row i at y = top + i * rowH, for the window
 *  `w` across `width`. Returns the number of rectangles drawn (coverage + marks). */
export function drawTracks(
  ctx: CanvasRenderingContext2D,
  rows: RowPaint[],
  w: TimelineWindow,
  width: number,
  top: number,
  rowH: number,
  version: number,
): number {
  const fw = width / w.span;
  const end = w.start + w.span;
  let drawn = 0;
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    ctx.fillStyle = row.selected ? "rgba(91,140,255,0.07)" : "rgba(255,255,255,0.035)";
    ctx.fillRect(0, y + 3, width, rowH - 7);
    const t = row.track;
    if (!t) return;
    ctx.fillStyle = row.color;
    ctx.globalAlpha = 0.75;
    const runs = trackRuns(t, version);
    // Runs closer than a pixel merge into one rectangle, so drawing is bounded by the width.
    let px0 = -1, px1 = -1;
    for (let k = firstRunFrom(runs, Math.floor(w.start)); k < runs.length / 2; k++) {
      const a = runs[2 * k], b = runs[2 * k + 1] + 1;
      if (a >= end) break;
      const x0 = (a - w.start) * fw;
      const x1 = Math.max(x0 + 1.5, (b - w.start) * fw);
      if (px1 >= 0 && x0 <= px1 + 0.5) {
        px1 = Math.max(px1, x1);
        continue;
      }
      if (px1 >= 0) {
        ctx.fillRect(px0, y + 5, px1 - px0, rowH - 11);
        drawn++;
      }
      px0 = x0;
      px1 = x1;
    }
    if (px1 >= 0) {
      ctx.fillRect(px0, y + 5, px1 - px0, rowH - 11);
      drawn++;
    }
    ctx.globalAlpha = 1;
    // Prompted frames: white diamonds, or thin ticks where frames are narrow.
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "rgba(0,0,0,0.55)";
    const r = Math.max(1.5, Math.min(3.5, fw / 2.5));
    const cy = y + (rowH - 1) / 2;
    for (const f of t.promptFrames) {
      if (f < w.start - 1 || f >= end) continue;
      const x = (f + 0.5 - w.start) * fw;
      drawn++;
      if (fw < 4) {
        ctx.fillRect(x - 0.5, y + 3, 1, 5);
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(x, cy - r - 1);
      ctx.lineTo(x + r, cy);
      ctx.lineTo(x, cy + r + 1);
      ctx.lineTo(x - r, cy);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
  });
  return drawn;
}

/** Ruler ticks at a readable spacing (about `minPx` apart) inside the window. */
export function rulerTicks(w: TimelineWindow, width: number, minPx = 60): number[] {
  const fw = width / w.span;
  const steps = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000];
  const step = steps.find((s) => s * fw >= minPx) ?? 100000;
  const out: number[] = [];
  for (let f = Math.ceil(w.start / step) * step; f < w.start + w.span; f += step) out.push(f);
  return out;
}
