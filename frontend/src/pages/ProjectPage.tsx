// One project: its videos (upload, ingest progress), label classes, team and exports.
import { useCallback, useEffect, useState } from "react";
import { useParams } from "react-router-dom";
import { api, apiList } from "../api/client";
import { can, type Project, type Video } from "../api/types";
import { TopBar } from "../components/layout";
import { useToast } from "../components/toasts";
import ExportsCard from "./project/ExportsCard";
import LabelsCard from "./project/LabelsCard";
import MembersCard from "./project/MembersCard";
import Uploader from "./project/Uploader";
import VideoGrid from "./project/VideoGrid";

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
