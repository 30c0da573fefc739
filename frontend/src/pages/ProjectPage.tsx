// One project: its videos (upload, ingest progress), label classes, team and exports.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, ApiError, apiList, uploadFile } from "../api/client";
import { foldersFromFileList, splitDrop, storeZip, type ZipSource } from "./folderZip";
import {
  can,
  EXPORT_FORMATS,
  ROLES,
  type ExportFormat,
  type ExportJob,
  type LabelClass,
  type Member,
  type Project,
  type Role,
  type Video,
} from "../api/types";
import { ProgressBar, TopBar } from "../components/layout";
import { useToast } from "../components/toasts";
import { formatDuration } from "../editor/time";

export default function ProjectPage() {
  const { id } = useParams();
  const projectId = Number(id);
  const [project, setProject] = useState<Project | null>(null);
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();

  const loadProject = useCallback(
    () =>
      api<Project>(`/api/projects/${projectId}/`)
        .then((p) => {
          setProject(p);
          document.title = `${p.name} · Maskflow`;
        })
        .catch((e: Error) => setError(e.message)),
    [projectId],
  );
  const loadVideos = useCallback(
    () =>
      apiList<Video>(`/api/projects/${projectId}/videos/`)
        .then(setVideos)
        .catch((e: Error) => toast("error", e.message)),
    [projectId, toast],
  );

  useEffect(() => {
    loadProject();
    loadVideos();
  }, [loadProject, loadVideos]);

  // Poll while anything is still being ingested.
  const processing = videos?.some((v) => v.status === "processing");
  useEffect(() => {
    if (!processing) return;
    const t = setInterval(loadVideos, 1000);
    return () => clearInterval(t);
  }, [processing, loadVideos]);

  if (error) {
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }]} />
        <main className="content">
          <div className="card empty">
            <h3>Cannot open this project</h3>
            <p className="muted">{error}</p>
          </div>
        </main>
      </div>
    );
  }

  const role = project?.role ?? null;
  return (
    <div className="page">
      <TopBar crumbs={[{ label: "Projects", to: "/" }, { label: project?.name ?? "…" }]} />
      <main className="content project-layout">
        <section className="project-main">
          <div className="page-head">
            <div>
              <h1>{project?.name ?? "Loading…"}</h1>
              <p className="muted">
                {project?.description || "Videos in this project"}
                {role && (
                  <>
                    {" · "}your role: <span className={`role-badge role-${role}`}>{role}</span>
                  </>
                )}
              </p>
            </div>
          </div>
          {can(role, "annotate") && <Uploader projectId={projectId} onUploaded={loadVideos} />}
          <VideoGrid videos={videos} canManage={can(role, "manage")} onChange={loadVideos} />
        </section>
        <aside className="project-side">
          {project && <LabelsCard project={project} onChange={loadProject} />}
          {project && <MembersCard project={project} />}
          {project && <ExportsCard project={project} videos={videos ?? []} />}
        </aside>
      </main>
    </div>
  );
}

// ---- videos --------------------------------------------------------------------------
interface UploadItem {
  key: number;
  name: string;
  size: number;
  progress: number;
  state: "packing" | "uploading" | "done" | "error";
  error?: string;
  abort?: () => void;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function Uploader({ projectId, onUploaded }: { projectId: number; onUploaded: () => void }) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [drag, setDrag] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const counter = useRef(0);

  const update = (key: number, patch: Partial<UploadItem>) =>
    setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...patch } : x)));

  function start(files: FileList | File[]) {
    for (const file of Array.from(files)) send(file, ++counter.current);
  }

  // A folder of frames is packed into one store-only zip here and uploaded as one image
  // sequence (the server orders the frames by their paths).
  async function startFolders(folders: Map<string, ZipSource[]>) {
    for (const [folder, frames] of folders) {
      const key = ++counter.current;
      const name = `${folder}.zip`;
      const size = frames.reduce((n, f) => n + f.file.size, 0);
      setItems((xs) => [...xs, { key, name, size, progress: 0, state: "packing" }]);
      if (!frames.length) {
        update(key, { state: "error", error: `Not accepted: the folder ${folder} has no JPEG or PNG images` });
        continue;
      }
      try {
        const zip = await storeZip(frames, (done, total) => update(key, { progress: (100 * done) / total }));
        send(new File([zip], name, { type: "application/zip" }), key, true);
      } catch (e) {
        update(key, { state: "error", error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  function send(file: File, key: number, listed = false) {
    const handle = uploadFile(`/api/projects/${projectId}/videos/`, file, (f) =>
      update(key, { progress: f * 100 }),
    );
    const item: UploadItem = {
      key, name: file.name, size: file.size, progress: 0, state: "uploading", abort: handle.abort,
    };
    if (listed) update(key, item);
    else setItems((xs) => [...xs, item]);
    handle.promise
      .then(() => {
        update(key, { state: "done", progress: 100 });
        onUploaded();
        setTimeout(() => setItems((xs) => xs.filter((x) => x.key !== key)), 2500);
      })
      .catch((e: ApiError) => {
        const msg =
          e.status === 413 ? `Too large: ${e.message}` : e.status === 400 ? `Not accepted: ${e.message}` : e.message;
        update(key, { state: "error", error: msg });
      });
  }

  return (
    <div className="uploader">
      <div
        className={`dropzone ${drag ? "dropzone-active" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDrag(true);
        }}
        onDragLeave={() => setDrag(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDrag(false);
          const { files, folders } = splitDrop(e.dataTransfer);
          if (files.length) start(files);
          void folders.then((f) => {
            if (f.size) void startFolders(f);
          });
        }}
        onClick={() => input.current?.click()}
        role="button"
        tabIndex={0}
      >
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden>
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <div>
          <strong>Upload videos or images</strong>
          <div className="muted">
            Drop files or a folder of frames here, or click to choose: videos (MP4, MOV, WebM, MKV…), a .zip of
            JPEG/PNG frames, or single JPEG/PNG images
          </div>
        </div>
        <input
          ref={input}
          type="file"
          accept="video/*,.mkv,.avi,.zip,application/zip,.jpg,.jpeg,.png,image/jpeg,image/png"
          multiple
          hidden
          data-testid="upload-input"
          onChange={(e) => {
            if (e.target.files?.length) start(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      <div className="upload-folder-row" style={{ display: "flex", alignItems: "center", gap: 10, marginTop: 6, fontSize: 12 }}>
        <button type="button" className="btn btn-ghost btn-sm" data-testid="upload-folder"
          onClick={() => folderInput.current?.click()}>
          Choose a folder of frames…
        </button>
        <span className="muted">packed into one zip in the browser; frames in natural order of their names</span>
        <input
          ref={folderInput}
          type="file"
          hidden
          data-testid="upload-folder-input"
          {...{ webkitdirectory: "" }}
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = "";
            const folders = foldersFromFileList(files);
            if (folders.size) void startFolders(folders);
          }}
        />
      </div>
      {items.length > 0 && (
        <ul className="upload-list">
          {items.map((it) => (
            <li key={it.key} className={`upload-item upload-${it.state}`} data-testid="upload-item">
              <div className="upload-row">
                <span className="upload-name">{it.name}</span>
                <span className="muted">{formatBytes(it.size)}</span>
                {it.state === "uploading" && (
                  <button className="btn btn-ghost btn-sm" onClick={() => it.abort?.()}>
                    Cancel
                  </button>
                )}
                {it.state === "error" && (
                  <button
                    className="btn btn-ghost btn-sm"
                    onClick={() => setItems((xs) => xs.filter((x) => x.key !== it.key))}
                  >
                    Dismiss
                  </button>
                )}
              </div>
              {it.state === "error" ? (
                <div className="form-error" role="alert" data-testid="upload-error">
                  {it.error}
                </div>
              ) : (
                <ProgressBar
                  value={it.progress}
                  label={
                    it.state === "done"
                      ? "Uploaded, processing…"
                      : it.state === "packing"
                        ? `Packing frames… ${Math.round(it.progress)}%`
                        : `${Math.round(it.progress)}%`
                  }
                  testId="upload-progress"
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function VideoGrid({
  videos,
  canManage,
  onChange,
}: {
  videos: Video[] | null;
  canManage: boolean;
  onChange: () => void;
}) {
  const toast = useToast();
  if (videos === null) return <div className="empty">Loading videos…</div>;
  if (videos.length === 0)
    return (
      <div className="card empty">
        <h3>No videos yet</h3>
        <p className="muted">Upload a video to start labeling.</p>
      </div>
    );
  return (
    <div className="video-grid">
      {videos.map((v) => {
        const ready = v.status === "ready";
        const body = (
          <>
            <div className="thumb">
              {ready ? (
                <img src={`/api/videos/${v.id}/frames/0.jpg`} alt="" loading="lazy" />
              ) : (
                <div className="thumb-placeholder">{v.status === "failed" ? "⚠" : "…"}</div>
              )}
              {ready && <span className="thumb-duration">{formatDuration(v.duration || v.num_frames / (v.fps || 1))}</span>}
            </div>
            <div className="video-info">
              <div className="video-title" title={v.name}>
                {v.name}
              </div>
              <div className="video-meta">
                <span className={`status status-${v.status}`} data-testid="video-status">
                  {v.status}
                </span>
                {ready && (
                  <span className="muted">
                    {v.num_frames} frames · {Math.round(v.fps * 100) / 100} fps · {v.width}×{v.height}
                  </span>
                )}
              </div>
              {v.status === "processing" && <ProgressBar value={v.progress} label={`${Math.round(v.progress)}%`} />}
              {v.status === "failed" && <div className="form-error">{v.error || "Ingest failed."}</div>}
              {v.warning && <div className="warning-text">{v.warning}</div>}
            </div>
          </>
        );
        return (
          <div key={v.id} className="card video-card" data-testid="video-card" data-video-id={v.id} data-status={v.status}>
            {ready ? (
              <Link to={`/videos/${v.id}`} className="video-link">
                {body}
              </Link>
            ) : (
              <div className="video-link disabled">{body}</div>
            )}
            {canManage && (
              <button
                className="btn btn-ghost btn-sm video-delete"
                title="Delete video"
                onClick={async () => {
                  if (!confirm(`Delete “${v.name}” and all its annotations?`)) return;
                  try {
                    await api(`/api/videos/${v.id}/`, { method: "DELETE" });
                    onChange();
                  } catch (e) {
                    toast("error", (e as Error).message);
                  }
                }}
              >
                Delete
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}

// ---- labels --------------------------------------------------------------------------
function LabelsCard({ project, onChange }: { project: Project; onChange: () => void }) {
  const [name, setName] = useState("");
  const [color, setColor] = useState("#3cb44b");
  const toast = useToast();
  const manage = can(project.role, "manage");
  const base = `/api/projects/${project.id}/labels/`;

  async function run(p: Promise<unknown>) {
    try {
      await p;
      onChange();
    } catch (e) {
      toast("error", (e as Error).message);
    }
  }

  return (
    <div className="card side-card">
      <h2>Label classes</h2>
      {project.labels.length === 0 && <p className="muted">No labels yet.</p>}
      <ul className="label-list">
        {project.labels.map((l: LabelClass) => (
          <li key={l.id} data-testid="label-row">
            <input
              type="color"
              value={l.color}
              disabled={!manage}
              aria-label={`Colour of ${l.name}`}
              onChange={(e) => run(api(`${base}${l.id}/`, { method: "PATCH", body: { color: e.target.value } }))}
            />
            <span className="label-name">{l.name}</span>
            {manage && (
              <button
                className="btn btn-ghost btn-sm"
                onClick={() => confirm(`Delete label “${l.name}”?`) && run(api(`${base}${l.id}/`, { method: "DELETE" }))}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {manage && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return;
            run(api(base, { body: { name: name.trim(), color } })).then(() => setName(""));
          }}
        >
          <input type="color" value={color} onChange={(e) => setColor(e.target.value)} aria-label="New label colour" />
          <input placeholder="New label" value={name} onChange={(e) => setName(e.target.value)} name="label-name" />
          <button className="btn btn-sm" type="submit">
            Add
          </button>
        </form>
      )}
    </div>
  );
}

// ---- members -------------------------------------------------------------------------
function MembersCard({ project }: { project: Project }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const toast = useToast();
  const manage = can(project.role, "manage");
  const base = `/api/projects/${project.id}/members/`;
  const load = useCallback(
    () => api<Member[]>(base).then(setMembers).catch((e: Error) => toast("error", e.message)),
    [base, toast],
  );
  useEffect(() => {
    load();
  }, [load]);

  async function run(p: Promise<unknown>) {
    try {
      await p;
    } catch (e) {
      toast("error", (e as Error).message);
    }
    load();
  }

  return (
    <div className="card side-card">
      <h2>Team</h2>
      <ul className="member-list">
        {members.map((m) => (
          <li key={m.user_id} data-testid="member-row">
            <span className="member-name">{m.username}</span>
            {manage ? (
              <select
                value={m.role}
                aria-label={`Role of ${m.username}`}
                onChange={(e) =>
                  run(api(`${base}${encodeURIComponent(m.username)}/`, { method: "PATCH", body: { role: e.target.value } }))
                }
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            ) : (
              <span className={`role-badge role-${m.role}`}>{m.role}</span>
            )}
            {manage && (
              <button
                className="btn btn-ghost btn-sm"
                title="Remove from project"
                onClick={() =>
                  confirm(`Remove ${m.username} from this project?`) &&
                  run(api(`${base}${encodeURIComponent(m.username)}/`, { method: "DELETE" }))
                }
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {manage && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!username.trim()) return;
            run(api(base, { body: { username: username.trim(), role } })).then(() => setUsername(""));
          }}
        >
          <input placeholder="Username" value={username} onChange={(e) => setUsername(e.target.value)} name="member-username" />
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="Role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button className="btn btn-sm" type="submit">
            Add
          </button>
        </form>
      )}
    </div>
  );
}

// ---- exports -------------------------------------------------------------------------
function ExportsCard({ project, videos }: { project: Project; videos: Video[] }) {
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
