// "My work": the videos assigned to me to annotate or review, by project, with their stage
// and progress (frames with masks / frames, masklets accepted / masklets). Re-read on focus.
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { WorkProject, WorkVideo } from "../api/review";
import { ProgressBar, Spinner, TopBar } from "../components/layout";
import { STAGE_TEXT } from "../editor/review/StageBar";
import "./work.css";

function pct(a: number, b: number): number {
  return b > 0 ? (100 * a) / b : 0;
}

function todo(v: WorkVideo): string {
  if (v.my_part.includes("review") && v.stage === "review") return "to review";
  if (v.my_part.includes("annotate") && v.stage === "annotate") return v.masklets_rejected ? "to fix" : "to annotate";
  if (v.stage === "done") return "done";
  return v.stage === "review" ? "waiting for review" : "waiting for annotation";
}

function WorkRow({ v }: { v: WorkVideo }) {
  const action = todo(v);
  return (
    <tr data-testid="work-row" data-video-id={v.id} data-stage={v.stage}>
      <td>
        <Link to={`/videos/${v.id}`} className="work-name">
          {v.name}
        </Link>
        <div className="muted small">{v.my_part.join(" + ")}</div>
      </td>
      <td>
        <span className={`stage-badge stage-${v.stage}`}>{STAGE_TEXT[v.stage]}</span>
        <div className={`small work-todo todo-${action.replace(/ /g, "-")}`}>{action}</div>
      </td>
      <td className="small">
        {v.assignee ?? "—"} → {v.reviewer ?? "—"}
      </td>
      <td>
        <ProgressBar value={pct(v.frames_with_masks, v.num_frames)} label={`${v.frames_with_masks} / ${v.num_frames} frames`} />
      </td>
      <td>
        <ProgressBar value={pct(v.masklets_accepted, v.masklets)} label={`${v.masklets_accepted} / ${v.masklets} accepted`} />
        {v.masklets_rejected > 0 && <div className="small reject-count">{v.masklets_rejected} rejected</div>}
      </td>
      <td className="small">{v.open_comments > 0 ? `${v.open_comments} open` : <span className="muted">none</span>}</td>
    </tr>
  );
}

export default function MyWorkPage() {
  const [work, setWork] = useState<WorkProject[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api<WorkProject[]>("/api/me/work/")
        .then((w) => {
          setWork(w);
          setError(null);
        })
        .catch((e: Error) => setError(e.message)),
    [],
  );
  useEffect(() => {
    document.title = "My work · Maskflow";
    load();
    // No user-level live channel: re-read whenever the tab comes back.
    const onFocus = () => document.visibilityState === "visible" && load();
    window.addEventListener("focus", onFocus);
    document.addEventListener("visibilitychange", onFocus);
    return () => {
      window.removeEventListener("focus", onFocus);
      document.removeEventListener("visibilitychange", onFocus);
    };
  }, [load]);

  const total = work?.reduce((n, p) => n + p.videos.length, 0) ?? 0;
  return (
    <div className="page">
      <TopBar crumbs={[{ label: "My work" }]} />
      <main className="content">
        <div className="page-head">
          <div>
            <h1>My work</h1>
            <p className="muted">Videos assigned to you to annotate or review{work ? ` · ${total}` : ""}</p>
          </div>
        </div>
        {error && <div className="form-error">{error}</div>}
        {!work && !error && (
          <div className="page-loading">
            <Spinner /> Loading…
          </div>
        )}
        {work && work.length === 0 && (
          <div className="card empty" data-testid="work-empty">
            <h3>Nothing assigned to you</h3>
            <p className="muted">When a project owner or admin assigns you a video, it shows up here.</p>
          </div>
        )}
        {work?.map((p) => (
          <section key={p.project.id} className="card work-project" data-testid="work-project">
            <div className="work-project-head">
              <h2>
                <Link to={`/projects/${p.project.id}`}>{p.project.name}</Link>
              </h2>
              <span className={`role-badge role-${p.role}`}>{p.role}</span>
            </div>
            <table className="work-table">
              <thead>
                <tr>
                  <th>Video</th>
                  <th>Stage</th>
                  <th>Annotator → reviewer</th>
                  <th>Frames with masks</th>
                  <th>Masklets</th>
                  <th>Comments</th>
                </tr>
              </thead>
              <tbody>
                {p.videos.map((v) => (
                  <WorkRow key={v.id} v={v} />
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </main>
    </div>
  );
}
