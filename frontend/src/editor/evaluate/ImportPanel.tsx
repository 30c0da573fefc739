// Import an annotation file into this video: pick a zip (or a bare JSON), its format, upload
// with progress, follow the import job, then a report: objects, masks, frames, and what was
// skipped and why (the job's warnings), or the reason it failed (nothing is written then).
import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, uploadFile } from "../../api/client";
import { active, guessFormat, IMPORT_FORMATS, type ImportFormat, type ImportJob } from "../../api/evaluate";
import { ProgressBar } from "../../components/layout";

export function ImportReport({ job, numFrames }: { job: ImportJob; numFrames: number }) {
  if (job.status === "failed")
    return (
      <div className="import-report import-failed" data-testid="import-report" data-status="failed">
        <strong>Import failed; nothing was written.</strong>
        <div className="form-error">{job.error || "The import failed."}</div>
      </div>
    );
  const r = job.result ?? {};
  const warnings = r.warnings ?? [];
  return (
    <div className="import-report" data-testid="import-report" data-status={job.status}>
      <div className="import-stats">
        <div>
          <b data-testid="import-objects">{r.objects ?? 0}</b>
          <span>objects</span>
        </div>
        <div>
          <b data-testid="import-masks">{r.masks ?? 0}</b>
          <span>masks</span>
        </div>
        <div>
          <b data-testid="import-frames">{r.frames ?? 0}</b>
          <span>of {numFrames} frames</span>
        </div>
      </div>
      {warnings.length === 0 ? (
        <p className="muted small">Nothing was skipped. Each track is a new object with masks of source “import”.</p>
      ) : (
        <>
          <div className="small import-skipped-head">Skipped or changed ({warnings.length}):</div>
          <ul className="import-warnings" data-testid="import-warnings">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export default function ImportPanel({
  videoId,
  numFrames,
  canAnnotate,
  onImports,
}: {
  videoId: number;
  numFrames: number;
  canAnnotate: boolean;
  /** Called with the video's imports whenever they are (re)read. */
  onImports?: (jobs: ImportJob[]) => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>("davis");
  const [upload, setUpload] = useState<number | null>(null); // 0..1 while uploading
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [history, setHistory] = useState<ImportJob[]>([]);
  const abort = useRef<(() => void) | null>(null);

  const load = useCallback(() => {
    api<ImportJob[]>(`/api/videos/${videoId}/imports/`)
      .then((js) => {
        setHistory(js);
        onImports?.(js);
      })
      .catch(() => {});
  }, [videoId, onImports]);
  useEffect(load, [load]);
  useEffect(() => () => abort.current?.(), []);

  // Follow the running job.
  const jobId = job?.id;
  const running = job ? active(job.status) : false;
  useEffect(() => {
    if (!running || jobId === undefined) return;
    let alive = true;
    const t = setInterval(async () => {
      try {
        const j = await api<ImportJob>(`/api/imports/${jobId}/`);
        if (!alive) return;
        setJob(j);
        if (!active(j.status)) load();
      } catch {
        /* keep polling */
      }
    }, 500);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [running, jobId, load]);

  function pick(f: File | null) {
    setFile(f);
    setError(null);
    const g = f && guessFormat(f.name);
    if (g) setFormat(g);
  }

  function start() {
    if (!file) return;
    setError(null);
    setJob(null);
    setUpload(0);
    const h = uploadFile(`/api/videos/${videoId}/imports/`, file, setUpload, { format });
    abort.current = h.abort;
    h.promise
      .then((body) => {
        setJob(body as ImportJob);
        setFile(null);
      })
      .catch((e: ApiError) => setError(e.status === 413 ? `Too large: ${e.message}` : e.message))
      .finally(() => {
        setUpload(null);
        abort.current = null;
      });
  }

  const busy = upload !== null || running;
  const [drag, setDrag] = useState(false);
  return (
    <div
      className={`eval-section ${drag ? "import-drag" : ""}`}
      data-testid="import-panel"
      onDragOver={(e) => {
        if (!canAnnotate) return;
        e.preventDefault();
        setDrag(true);
      }}
      onDragLeave={() => setDrag(false)}
      onDrop={(e) => {
        if (!canAnnotate) return;
        e.preventDefault();
        setDrag(false);
        const f = e.dataTransfer.files?.[0];
        if (f) pick(f);
      }}
    >
      <h3>Import annotations</h3>
      {!canAnnotate ? (
        <p className="muted small">Your role cannot import into this video.</p>
      ) : (
        <div className="import-form">
          <label className="btn btn-sm import-file">
            {file ? "Change file…" : "Choose a zip or JSON…"}
            <input
              type="file"
              hidden
              accept=".zip,application/zip,.json,application/json"
              data-testid="import-file"
              onChange={(e) => {
                pick(e.target.files?.[0] ?? null);
                e.target.value = "";
              }}
            />
          </label>
          <span className="import-filename" title={file?.name}>
            {file ? file.name : <span className="muted">no file chosen; or drop it here</span>}
          </span>
          <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)} aria-label="Import format" data-testid="import-format">
            {IMPORT_FORMATS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
          <button className="btn btn-primary btn-sm" disabled={!file || busy} onClick={start} data-testid="import-start">
            Import
          </button>
          <div className="muted small import-hint">{IMPORT_FORMATS.find((f) => f.id === format)?.hint}</div>
        </div>
      )}
      {upload !== null && (
        <div className="import-progress">
          <ProgressBar value={upload * 100} label={`Uploading ${Math.round(upload * 100)}%`} testId="import-progress" />
          <button className="btn btn-ghost btn-sm" onClick={() => abort.current?.()}>
            Cancel
          </button>
        </div>
      )}
      {job && running && (
        <div className="import-progress">
          <ProgressBar value={job.progress} label={`${job.status === "queued" ? "Queued" : "Importing"} ${Math.round(job.progress)}%`} testId="import-progress" />
          {job.warning && <div className="warning-text small">{job.warning}</div>}
        </div>
      )}
      {error && (
        <div className="form-error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      {job && !running && <ImportReport job={job} numFrames={numFrames} />}
      {history.length > 0 && (
        <details className="import-history">
          <summary className="small muted">Earlier imports ({history.length})</summary>
          <ul>
            {history.map((h) => (
              <li key={h.id} className="small">
                <span>
                  #{h.id} {h.filename} · {h.format}
                </span>
                <span className={`status status-${h.status}`}>{h.status}</span>
                <span className="muted">{h.status === "done" ? `${h.result?.objects ?? 0} objects, ${h.result?.frames ?? 0} frames` : h.error.slice(0, 80)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
