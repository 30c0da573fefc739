// Exports of the project's annotations: format, videos, jobs and downloads.
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client";
import { can, EXPORT_FORMATS, type ExportFormat, type ExportJob, type Project, type Video } from "../../api/types";
import { ProgressBar } from "../../components/layout";
import { useToast } from "../../components/toasts";

export default function ExportsCard({ project, videos }: { project: Project; videos: Video[] }) {
  const ready = videos.filter((v) => v.status === "ready");
  const [videoId, setVideoId] = useState<number | null>(null);
  const [format, setFormat] = useState<ExportFormat>("davis");
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const toast = useToast();
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
        { body: { format } },
      );
      const row = { progress: 0, error: "", download_url: null, format, ...job } as ExportJob;
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
            <select value={selected ?? ""} onChange={(e) => setVideoId(Number(e.target.value))} aria-label="Video">
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
            <button className="btn btn-primary btn-sm" onClick={start} disabled={!allowed} data-testid="export-start">
              Export
            </button>
          </div>
          {!allowed && <p className="muted small">Your role cannot export.</p>}
          <ul className="export-list">
            {jobs.map((j) => (
              <li key={j.id} data-testid="export-row" data-status={j.status}>
                <span className="export-format">{j.format}</span>
                {j.status === "done" && j.download_url ? (
                  <a className="btn btn-sm" href={j.download_url} download>
                    Download
                  </a>
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
