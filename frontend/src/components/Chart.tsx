// A small uPlot wrapper: bars or lines over categories (days, names), labels thinned to fit.
// uPlot is ~50 KB minified and draws on one canvas; this page loads it lazily.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  kind?: "bars" | "line";
}

const AXIS = { stroke: "#8a93a8", grid: { stroke: "#2a3040", width: 1 }, ticks: { stroke: "#2a3040", width: 1 } };

export default function Chart({
  categories,
  xLabel,
  series,
  height = 240,
  yLabel,
  testId,
}: {
  /** One name per x slot (a day, an annotator). */
  categories: string[];
  xLabel: string;
  series: ChartSeries[];
  height?: number;
  yLabel?: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !categories.length) return;
    const x = categories.map((_c, i) => i);
    // One bar series per chart (the others are lines): bars of several series would overlap.
    const bars = uPlot.paths.bars?.({ size: [0.6, 60] });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: {
        // Half a slot either side, so the first and last bars are whole.
        // Static: uPlot's auto-range ignores a range function when all x are equal (one day).
        x: { time: false, auto: false, range: [-0.6, categories.length - 0.4] },
        y: { range: (_u, _lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] },
      },
      axes: [
        {
          ...AXIS,
          values: (_u, ticks) => ticks.map((t) => categories[Math.round(t)] ?? ""),
          // Every k-th name, so labels (about 90 px each) do not overlap.
          splits: (u) => {
            const k = Math.max(1, Math.ceil(categories.length / Math.max(1, u.bbox.width / devicePixelRatio / 90)));
            return x.filter((i) => i % k === 0);
          },
        },
        { ...AXIS, label: yLabel, labelSize: 18, size: 56 },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: xLabel, value: (_u, v) => (v == null ? "" : (categories[Math.round(v)] ?? "")) },
        ...series.map((s) => {
          if (s.kind === "line") return { label: s.label, stroke: s.color, width: 2, points: { show: true, size: 6 } };
          return { label: s.label, stroke: s.color, fill: s.color + "cc", width: 1, paths: bars, points: { show: false } } as uPlot.Series;
        }),
      ],
    };
    const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
    const chart = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, [categories, xLabel, series, height, yLabel]);
  if (!categories.length) return <div className="chart-empty">No data in this range yet.</div>;
  return <div ref={box} className="chart" data-testid={testId} />;
}
