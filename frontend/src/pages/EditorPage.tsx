// The editor page: loads the video and its project (polling while the video is processed),
// then mounts the editor (src/editor/Editor.tsx).
import { useEffect, useState } from "react";
import { useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import type { ModelInfo, Project, Video } from "../api/types";
import { ProgressBar, Spinner, TopBar } from "../components/layout";
import { useScopedToast } from "../components/toasts";
import Editor from "../editor/Editor";

export default function EditorPage() {
  const { id } = useParams();
  const videoId = Number(id);
  const [video, setVideo] = useState<Video | null>(null);
  const [project, setProject] = useState<Project | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const toast = useScopedToast();

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const v = await api<Video>(`/api/videos/${videoId}/`);
        if (!alive) return;
        setVideo(v);
        document.title = `${v.name} · Maskflow`;
        if (v.status === "processing") timer = setTimeout(load, 1000);
        const p = await api<Project>(`/api/projects/${v.project}/`);
        if (alive) setProject(p);
      } catch (e) {
        if (alive) setError(e instanceof ApiError && e.status === 404 ? "This video does not exist or you are not a member of its project." : (e as Error).message);
      }
    };
    load();
    api<ModelInfo>("/api/model/").then((m) => alive && setModel(m), () => {});
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [videoId]);

  if (error)
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }]} />
        <main className="content">
          <div className="card empty">
            <h3>Cannot open this video</h3>
            <p className="muted">{error}</p>
          </div>
        </main>
      </div>
    );
  if (!video || !project)
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }]} />
        <div className="page-loading">
          <Spinner /> Loading video…
        </div>
      </div>
    );
  if (video.status !== "ready")
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }, { label: project.name, to: `/projects/${project.id}` }, { label: video.name }]} />
        <main className="content">
          <div className="card empty">
            <h3>{video.status === "failed" ? "This video could not be processed" : "Preparing the video…"}</h3>
            {video.status === "failed" ? (
              <p className="form-error">{video.error}</p>
            ) : (
              <ProgressBar value={video.progress} label={`${Math.round(video.progress)}%`} />
            )}
          </div>
        </main>
      </div>
    );
  return <Editor key={video.id} video={video} project={project} model={model} toast={toast} />;
}
