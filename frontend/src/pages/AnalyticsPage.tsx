// A project's analytics in the SAM 2 data engine's terms (docs/api.md, Analytics): active
// time, seconds per frame, clicks, corrections after propagation, review rounds and
// rejections, per day, annotator and video; charts (uPlot) and a CSV download.
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { useParams } from "react-router-dom";
import { api } from "../api/client";
import type { AnalyticsReport, Metric, MetricRow } from "../api/review";
import type { Project } from "../api/types";
import { Spinner, TopBar } from "../components/layout";
import type { ChartSeries } from "../components/Chart";
import "./work.css";

const Chart = lazy(() => import("../components/Chart"));

const COLUMNS: [Metric, string][] = [
  ["annotation_seconds", "annotation"],
  ["review_seconds", "review"],
  ["frames_with_masks", "frames"],
  ["seconds_per_frame", "s / frame"],
  ["clicks", "clicks"],
  ["mask_edits", "hand edits"],
  ["propagation_runs", "propagations"],
  ["frames_corrected_after_propagation", "corrected after prop."],
  ["review_rounds", "review rounds"],
  ["rejections", "rejections"],
  ["rejection_rate", "rejection rate"],
];

export function duration(s: number | null): string {
  if (s === null) return "—";
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function cell(m: Metric, v: number | null): string {
  if (v === null || v === undefined) return "—";
  if (m === "annotation_seconds" || m === "review_seconds") return duration(v);
  if (m === "rejection_rate") return `${Math.round(v * 100)} %`;
  return String(v);
}

function MetricsTable({ rows, name, testId }: { rows: (MetricRow & { label: string })[]; name: string; testId: string }) {
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="metrics-table" data-testid={testId}>
        <thead>
          <tr>
            <th>{name}</th>
            {COLUMNS.map(([m, label]) => (
              <th key={m}>{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <td>{r.label}</td>
              {COLUMNS.map(([m]) => (
                <td key={m}>{cell(m, r[m])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const Kpi = ({ value, label }: { value: string; label: string }) => (
  <div className="kpi">
    <div className="kpi-value">{value}</div>
    <div className="kpi-label">{label}</div>
  </div>
);

export default function AnalyticsPage() {
  const { id } = useParams();
  const projectId = Number(id);
  const [project, setProject] = useState<Project | null>(null);
  const [report, setReport] = useState<AnalyticsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const query = new URLSearchParams({ ...(since ? { since } : {}), ...(until ? { until } : {}) }).toString();

  useEffect(() => {
    api<Project>(`/api/projects/${projectId}/`).then((p) => {
      setProject(p);
      document.title = `Analytics · ${p.name} · Maskflow`;
    }, (e: Error) => setError(e.message));
  }, [projectId]);
  useEffect(() => {
    api<AnalyticsReport>(`/api/projects/${projectId}/analytics/${query ? `?${query}` : ""}`).then(
      (r) => {
        setReport(r);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [projectId, query]);

  const days = useMemo(() => {
    const rows = report?.days ?? [];
    const names = rows.map((d) => d.date);
    const series: ChartSeries[] = [
      { label: "annotation (min)", values: rows.map((d) => Math.round(((d.annotation_seconds ?? 0) / 60) * 10) / 10), color: "#5b8cff" },
      { label: "review (min)", values: rows.map((d) => Math.round(((d.review_seconds ?? 0) / 60) * 10) / 10), color: "#f5a524", kind: "line" },
    ];
    // Frames with masks are not dated (a mask has no day), so per day: the work itself.
    const work: ChartSeries[] = [
      { label: "clicks", values: rows.map((d) => d.clicks), color: "#22c55e" },
      { label: "propagation runs", values: rows.map((d) => d.propagation_runs), color: "#ff5d8f", kind: "line" },
      { label: "frames corrected after propagation", values: rows.map((d) => d.frames_corrected_after_propagation), color: "#f5a524", kind: "line" },
    ];
    return { names, series, work };
  }, [report]);
  const people = useMemo(() => {
    const rows = report?.annotators ?? [];
    return {
      names: rows.map((r) => r.username ?? `user ${r.user_id}`),
      perFrame: [{ label: "s / frame", values: rows.map((r) => r.seconds_per_frame), color: "#5b8cff" }] as ChartSeries[],
      rejection: [
        { label: "rejections", values: rows.map((r) => r.rejections), color: "#ef4444" },
        { label: "review rounds", values: rows.map((r) => r.review_rounds), color: "#8a93a8", kind: "line" },
      ] as ChartSeries[],
    };
  }, [report]);

  const p = report?.project;
  const clicksPerMasklet = report && report.masklets.length ? (p!.clicks ?? 0) / report.masklets.length : null;
  return (
    <div className="page">
      <TopBar crumbs={[{ label: "Projects", to: "/" }, { label: project?.name ?? "…", to: `/projects/${projectId}` }, { label: "Analytics" }]} />
      <main className="content">
        <div className="page-head">
          <div>
            <h1>Analytics</h1>
            <p className="muted">{report ? `Active time: ${report.idle_rule}.` : "Where the hours go."}</p>
          </div>
          <div className="btn-group">
            <label className="field">
              from
              <input type="date" value={since} onChange={(e) => setSince(e.target.value)} data-testid="since" />
            </label>
            <label className="field">
              to
              <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="until" />
            </label>
            <a className="btn btn-sm" href={`/api/projects/${projectId}/analytics/?format=csv${query ? `&${query}` : ""}`} download={`analytics-${projectId}.csv`} data-testid="analytics-csv">
              Download CSV
            </a>
          </div>
        </div>
        {error && <div className="form-error">{error}</div>}
        {!report && !error && (
          <div className="page-loading">
            <Spinner /> Loading…
          </div>
        )}
        {report && p && (
          <>
            <div className="kpis" data-testid="kpis">
              <Kpi value={duration(p.annotation_seconds)} label="active annotation" />
              <Kpi value={p.seconds_per_frame === null ? "—" : `${p.seconds_per_frame} s`} label="per frame with a mask" />
              <Kpi value={clicksPerMasklet === null ? "—" : String(Math.round(clicksPerMasklet * 10) / 10)} label="clicks per masklet" />
              <Kpi value={String(p.frames_corrected_after_propagation ?? 0)} label="frames corrected after propagation" />
              <Kpi value={String(p.propagation_runs ?? 0)} label="propagation runs" />
              <Kpi value={p.rejection_rate === null ? "—" : `${Math.round(p.rejection_rate * 100)} %`} label={`rejected (${p.review_rounds ?? 0} review rounds)`} />
              <Kpi value={duration(p.review_seconds)} label="active review" />
            </div>
            <Suspense fallback={<Spinner />}>
              <div className="analytics-grid">
                <div className="card chart-card">
                  <h2>Active time per day</h2>
                  <Chart categories={days.names} xLabel="day" series={days.series} yLabel="minutes" testId="chart-days" />
                </div>
                <div className="card chart-card">
                  <h2>Clicks, propagations and corrections per day</h2>
                  <Chart categories={days.names} xLabel="day" series={days.work} yLabel="count" testId="chart-work" />
                </div>
                <div className="card chart-card">
                  <h2>Seconds per frame, per person</h2>
                  <Chart categories={people.names} xLabel="person" series={people.perFrame} yLabel="s / frame" testId="chart-annotators" />
                </div>
                <div className="card chart-card">
                  <h2>Review rounds and rejections of each person's masklets</h2>
                  <Chart categories={people.names} xLabel="person" series={people.rejection} yLabel="count" testId="chart-rejections" />
                </div>
              </div>
            </Suspense>
            <div className="card" style={{ marginBottom: 16 }}>
              <h2>People</h2>
              <MetricsTable name="person" testId="table-annotators" rows={report.annotators.map((r) => ({ ...r, label: r.username ?? `user ${r.user_id}` }))} />
            </div>
            <div className="card">
              <h2>Videos</h2>
              <MetricsTable name="video" testId="table-videos" rows={report.videos.map((r) => ({ ...r, label: r.name ?? `video ${r.video_id}` }))} />
            </div>
          </>
        )}
      </main>
    </div>
  );
}
