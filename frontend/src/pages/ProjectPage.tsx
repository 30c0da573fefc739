// One project: its videos (upload, ingest progress, stage and people), label classes, team,
// settings and exports. The project socket (/ws/projects/{id}/, ./project/projectFeed.ts)
// keeps the video list live: stages, people, names, new, decoded and deleted videos. The page
// also re-reads videos and members when the tab regains focus (and after each change made
// here), and reads the list again whenever the socket (re)opens.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, apiList } from "../api/client";
import { can, type Member, type Project, type Video } from "../api/types";
import { TopBar } from "../components/layout";
import { useScopedToast } from "../components/toasts";
import ExportsCard from "./project/ExportsCard";
import LabelsCard from "./project/LabelsCard";
import MembersCard from "./project/MembersCard";
import SettingsCard from "./project/SettingsCard";
import { applyFeed, useProjectFeed } from "./project/projectFeed";
import Uploader from "./project/Uploader";
import VideoGrid from "./project/VideoGrid";

export default function ProjectPage() {
  const { id } = useParams();
  const projectId = Number(id);
  const [project, setProject] = useState<Project | null>(null);
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  const [uploading, setUploading] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const toast = useScopedToast();

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
  // The list as last set (live messages apply to it at once, before React re-renders), and
  // a count of the live changes applied: a read that overlapped one may predate it.
  const videosRef = useRef<Video[] | null>(null);
  const liveChanges = useRef(0);
  const setList = useCallback((list: Video[] | null) => {
    videosRef.current = list;
    setVideos(list);
  }, []);
  const loadVideos = useCallback(() => {
    const read = (tries: number): Promise<void> => {
      const seen = liveChanges.current;
      return apiList<Video>(`/api/projects/${projectId}/videos/`).then((list) => {
        if (liveChanges.current !== seen && tries > 1) return read(tries - 1);
        setList(list);
      });
    };
    return read(3).catch((e: Error) => toast("error", e.message));
  }, [projectId, toast, setList]);

  const loadMembers = useCallback(
    () =>
      api<Member[]>(`/api/projects/${projectId}/members/`)
        .then(setMembers)
        .catch((e: Error) => toast("error", e.message)),
    [projectId, toast],
  );

  const live = useProjectFeed(projectId, {
    onMessage: (m) => {
      const r = applyFeed(videosRef.current, m);
      if (r.videos !== videosRef.current) {
        liveChanges.current++;
        setList(r.videos);
      }
      if (r.reloadVideos) loadVideos();
      if (r.reloadProject) loadProject();
      if (r.reloadMembers) loadMembers();
    },
    onOpen: () => void loadVideos(),
  });

  useEffect(() => {
    loadProject();
    loadVideos();
    loadMembers();
    // Assignments and roles change elsewhere: re-read when the user comes back to the tab.
    const onFocus = () => {
      if (document.visibilityState !== "visible") return;
      loadProject();
      loadVideos();
      loadMembers();
    };
    window.addEventListener("focus", onFocus);
    document.addEventListener("visibilitychange", onFocus);
    return () => {
      window.removeEventListener("focus", onFocus);
      document.removeEventListener("visibilitychange", onFocus);
    };
  }, [loadProject, loadVideos, loadMembers]);

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
                <span
                  className={`dot live-dot live-${live === "open" ? "on" : "off"}`}
                  data-testid="project-live"
                  data-state={live}
                  title={live === "open" ? "Live: changes by others show at once" : "Not live: the list refreshes when you come back to this tab"}
                />
                {project?.description || "Videos in this project"}
                {role && (
                  <>
                    {" · "}your role: <span className={`role-badge role-${role}`}>{role}</span>
                  </>
                )}
              </p>
            </div>
            {can(role, "review") && (
              <Link to={`/projects/${projectId}/analytics`} className="btn btn-sm" data-testid="analytics-link">
                Analytics
              </Link>
            )}
          </div>
          {can(role, "annotate") && <Uploader projectId={projectId} onUploaded={loadVideos} onActive={setUploading} />}
          <VideoGrid videos={videos} canManage={can(role, "manage")} members={members} uploading={uploading > 0} onChange={loadVideos} />
        </section>
        <aside className="project-side">
          {project && <LabelsCard project={project} onChange={loadProject} />}
          {project && <MembersCard project={project} members={members} onChange={loadMembers} />}
          {project && <ExportsCard project={project} videos={videos ?? []} />}
          {project && <SettingsCard key={`${project.name}\n${project.description}`} project={project} onChange={loadProject} />}
        </aside>
      </main>
    </div>
  );
}

// ---- videos --------------------------------------------------------------------------
