// The project's videos: thumbnails, ingest progress, rename and delete.
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { type Member, type Video } from "../../api/types";
import { ProgressBar } from "../../components/layout";
import { useScopedToast } from "../../components/toasts";
import { formatDuration } from "../../editor/time";
import Assignment from "./Assignment";

export default function VideoGrid({
  videos,
  canManage,
  members = [],
  uploading = false,
  onChange,
}: {
  videos: Video[] | null;
  canManage: boolean;
  /** The project's members, for the assignment pickers. */
  members?: Member[];
  /** Uploads are in flight (the upload list shows them): no "No videos yet" meanwhile. */
  uploading?: boolean;
  onChange: () => void;
}) {
  const toast = useScopedToast();
  if (videos === null) return <div className="empty">Loading videos…</div>;
  if (videos.length === 0 && uploading) return null;
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
                <img src={`/api/videos/${v.id}/frames/${v.poster_frame ?? 0}.jpg`} alt="" loading="lazy" data-testid="video-thumb" />
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
            <div className="video-assign">
              <Assignment video={v} members={members} canManage={canManage} onChange={onChange} />
            </div>
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
