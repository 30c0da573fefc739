// J&F over the evaluated frames as a small SVG line plot: the mean over objects, and one
// object's line when one is picked. The worst frames are marked; clicking the plot picks the
// nearest evaluated frame (to open it in the editor).
import { useMemo, useState } from "react";
import type { FrameScore } from "../../api/evaluate";

const WIDE = 640;
const TALL = 170;
const PAD = { l: 34, r: 10, t: 10, b: 22 };

export function xTicks(first: number, last: number, count = 6): number[] {
  if (last <= first) return [first];
  const raw = (last - first) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(first / step) * step; v <= last; v += step) out.push(v);
  return out;
}

export default function JfPlot({
  frames,
  line,
  marked = [],
  onPick,
  meanLabel = "mean J&F over objects",
  width = WIDE,
  height = TALL,
}: {
  frames: FrameScore[];
  /** One object's (J+F)/2 per frame (same order as `frames`), drawn over the mean. */
  line?: { values: number[]; color: string; label: string } | null;
  /** Points to mark (the worst frames), at their own value (the picked object's or the mean). */
  marked?: { frame: number; JF: number }[];
  onPick: (frame: number) => void;
  /** What the `frames` line is (the consensus section plots one pair with it). */
  meanLabel?: string;
  /** The drawing's own units (the SVG scales to its box): a narrow box wants a narrow
   *  drawing, or the axis text shrinks to nothing. */
  width?: number;
  height?: number;
}) {
  const W = width;
  const H = height;
  const [hover, setHover] = useState<number | null>(null); // index into frames
  const first = frames[0]?.frame ?? 0;
  const last = frames[frames.length - 1]?.frame ?? 0;
  const sx = (f: number) => PAD.l + ((f - first) / Math.max(1, last - first)) * (W - PAD.l - PAD.r);
  const sy = (v: number) => PAD.t + (1 - Math.max(0, Math.min(1, v))) * (H - PAD.t - PAD.b);
  const path = (vals: number[]) =>
    vals.map((v, i) => `${i ? "L" : "M"}${sx(frames[i].frame).toFixed(1)},${sy(v).toFixed(1)}`).join("");
  const mean = useMemo(() => path(frames.map((f) => f.JF)), [frames]); // eslint-disable-line react-hooks/exhaustive-deps

  function nearest(clientX: number, rect: DOMRect): number | null {
    if (!frames.length) return null;
    const x = ((clientX - rect.left) / rect.width) * W;
    const f = first + ((x - PAD.l) / (W - PAD.l - PAD.r)) * (last - first);
    let best = 0;
    for (let i = 1; i < frames.length; i++) if (Math.abs(frames[i].frame - f) < Math.abs(frames[best].frame - f)) best = i;
    return best;
  }

  if (!frames.length) return <div className="muted small">No frames were evaluated.</div>;
  const h = hover !== null ? frames[hover] : null;
  return (
    <div className="jf-plot">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label="J&F per frame"
        data-testid="jf-plot"
        onMouseMove={(e) => setHover(nearest(e.clientX, e.currentTarget.getBoundingClientRect()))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const i = nearest(e.clientX, e.currentTarget.getBoundingClientRect());
          if (i !== null) onPick(frames[i].frame);
        }}
      >
        {[0, 0.25, 0.5, 0.75, 1].map((v) => (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(v)} y2={sy(v)} className="jf-grid" />
            <text x={PAD.l - 5} y={sy(v) + 3.5} textAnchor="end" className="jf-axis">
              {v.toFixed(2).replace(/0$/, "")}
            </text>
          </g>
        ))}
        {xTicks(first, last).map((f) => (
          <text key={f} x={sx(f)} y={H - 6} textAnchor="middle" className="jf-axis">
            {f}
          </text>
        ))}
        <path d={mean} className="jf-line" data-testid="jf-mean-line" />
        {line && <path d={path(line.values)} className="jf-line-obj" style={{ stroke: line.color }} data-testid="jf-object-line" />}
        {marked.map((f) => (
          <circle key={f.frame} cx={sx(f.frame)} cy={sy(f.JF)} r={4} className="jf-bad" data-frame={f.frame}>
            <title>{`frame ${f.frame}: J&F ${(100 * f.JF).toFixed(1)}`}</title>
          </circle>
        ))}
        {h && (
          <g pointerEvents="none">
            <line x1={sx(h.frame)} x2={sx(h.frame)} y1={PAD.t} y2={H - PAD.b} className="jf-cursor" />
            <circle cx={sx(h.frame)} cy={sy(h.JF)} r={3} className="jf-dot" />
          </g>
        )}
      </svg>
      <div className="jf-legend small">
        <span>
          <i className="jf-swatch" /> {meanLabel}
        </span>
        {line && (
          <span>
            <i className="jf-swatch" style={{ background: line.color }} /> {line.label}
          </span>
        )}
        <span className="muted jf-readout" data-testid="jf-readout">
          {h
            ? `frame ${h.frame}: J ${(100 * h.J).toFixed(1)} · F ${(100 * h.F).toFixed(1)} · J&F ${(100 * h.JF).toFixed(1)}${
                line && hover !== null ? ` · ${line.label} ${(100 * line.values[hover]).toFixed(1)}` : ""
              } — click to open`
            : "click the plot to open a frame in the editor"}
        </span>
      </div>
    </div>
  );
}
