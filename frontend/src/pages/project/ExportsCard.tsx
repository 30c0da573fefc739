// Exports of the project's annotations: video, format and options (accepted masklets only,
// frames or annotations only), then each export's video, time, size, status and download.
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client";
import { can, EXPORT_FORMATS, type ExportFormat, type ExportJob, type Project, type Video } from "../../api/types";
import { formatBytes, formatWhen } from "../../components/format";
import { ProgressBar } from "../../components/layout";
import "../../components/jobStatus.css";
import "./exports.css";

/** What one export row says besides its format: the video, when, size and options. */
export function exportSummary(j: ExportJob, videoName: string | undefined): string[] {
  const parts = [videoName ?? (j.video ? `video ${j.video}` : "whole project")];
  const when = formatWhen(j.finished_at ?? j.created_at);
  if (when) parts.push(when);
  if (j.status === "done" && j.size_bytes) parts.push(formatBytes(j.size_bytes));
  if (j.options?.include_frames === false) parts.push("no frames");
  if (j.options?.accepted_only) parts.push("accepted only");
  return parts;
}
import { useScopedToast } from "../../components/toasts";

export default function ExportsCard({ project, videos }: { project: Project; videos: Video[] }) {
  const ready = videos.filter((v) => v.status === "ready");
  const [videoId, setVideoId] = useState<number | null>(null);
  const [format, setFormat] = useState<ExportFormat>("davis");
  const [acceptedOnly, setAcceptedOnly] = useState(false);
  const [includeFrames, setIncludeFrames] = useState(true);
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const toast = useScopedToast();
  const allowed = can(project.role, "export");
  const selected = videoId ?? ready[0]?.id ?? null;

  const load = useCallback(() => {
    if (selected === null) return;
    api<ExportJob[]>(`/api/videos/${selected}/exports/`)
      .then((js) => setJobs([...js].sort((a, b) => b.id - a.id).slice(0, 6)))
      .catch(() => {});
  }, [selected]);
  useEffect(() => {
    load();
  }, [load]);

  const active = jobs.some((j) => j.status === "queued" || j.status === "running");
  useEffect(() => {
    if (!active) return;
    const t = setInterval(async () => {
      const fresh = await Promise.all(
        jobs.map((j) =>
          j.status === "queued" || j.status === "running" ? api<ExportJob>(`/api/exports/${j.id}/`).catch(() => j) : j,
        ),
      );
      setJobs(fresh);
    }, 700);
    return () => clearInterval(t);
  }, [active, jobs]);

  async function start() {
    if (selected === null) return;
    try {
      const job = await api<Partial<ExportJob> & Pick<ExportJob, "id" | "status">>(
        `/api/videos/${selected}/exports/`,
        { body: { format, accepted_only: acceptedOnly, include_frames: includeFrames } },
      );
      const row = {
        progress: 0, error: "", download_url: null, format, video: selected,
        options: { accepted_only: acceptedOnly, include_frames: includeFrames }, ...job,
      } as ExportJob;
      setJobs((js) => [row, ...js]);
    } catch (e) {
      toast("error", (e as Error).message);
    }
  }

  return (
    <div className="card side-card">
      <h2>Export</h2>
      {ready.length === 0 ? (
        <p className="muted">No ready videos to export.</p>
      ) : (
        <>
          <div className="export-form">
            <select value={selected ?? ""} onChange={(e) => setVideoId(Number(e.target.value))} aria-label="Video" data-testid="export-video">
              {ready.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
            </select>
            <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} aria-label="Format" data-testid="export-format">
              {EXPORT_FORMATS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label}
                </option>
              ))}
            </select>
            <label className="check" title="Only masklets a reviewer accepted">
              <input type="checkbox" checked={acceptedOnly} onChange={(e) => setAcceptedOnly(e.target.checked)} data-testid="export-accepted-only" />
              Accepted masklets only
            </label>
            <label className="check" title="Leave the JPEG frames out: annotations only, a much smaller zip">
              <input type="checkbox" checked={includeFrames} onChange={(e) => setIncludeFrames(e.target.checked)} data-testid="export-include-frames" />
              Include frames (JPEGs)
            </label>
            <button className="btn btn-primary btn-sm" onClick={start} disabled={!allowed} data-testid="export-start">
              Export
            </button>
          </div>
          {!allowed && <p className="muted small">Your role cannot export.</p>}
          <ul className="export-list">
            {jobs.map((j) => (
              <li key={j.id} data-testid="export-row" data-status={j.status} className="export-row">
                <div className="export-row-head">
                  <span className="export-format">{j.format}</span>
                  <span className={`status status-${j.status === "done" && j.expired ? "expired" : j.status}`}>
                    {j.status === "done" && j.expired ? "expired" : j.status}
                  </span>
                  {j.status === "done" && j.download_url && (
                    <a className="btn btn-sm export-download" href={j.download_url} download data-testid="export-download">
                      Download
                    </a>
                  )}
                </div>
                <div className="export-meta small muted" data-testid="export-meta">
                  {exportSummary(j, videos.find((v) => v.id === j.video)?.name).join(" · ")}
                </div>
                {j.status === "done" && j.download_url ? null : j.status === "done" && j.expired ? (
                  <span className="muted small">The zip was deleted (retention); export again.</span>
                ) : j.status === "failed" ? (
                  <span className="form-error small">{j.error || "failed"}</span>
                ) : (
                  <>
                    <ProgressBar value={j.progress ?? 0} label={j.status} />
                    {j.warning && <div className="warning-text small">{j.warning}</div>}
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
