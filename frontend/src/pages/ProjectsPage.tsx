import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, apiList } from "../api/client";
import type { Project } from "../api/types";
import { TopBar } from "../components/layout";
import { useToast } from "../components/toasts";

export default function ProjectsPage() {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [name, setName] = useState("");
  const [labels, setLabels] = useState("");
  const [creating, setCreating] = useState(false);
  const [showForm, setShowForm] = useState(false);
  const toast = useToast();
  const nav = useNavigate();

  useEffect(() => {
    document.title = "Projects · Maskflow";
    apiList<Project>("/api/projects/")
      .then(setProjects)
      .catch((e) => {
        toast("error", e.message);
        setProjects([]);
      });
  }, [toast]);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setCreating(true);
    try {
      const body = {
        name: name.trim(),
        labels: labels
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      };
      const p = await api<Project>("/api/projects/", { body });
      nav(`/projects/${p.id}`);
    } catch (err) {
      toast("error", (err as Error).message);
    } finally {
      setCreating(false);
    }
  }

  return (
    <div className="page">
      <TopBar crumbs={[{ label: "Projects" }]} />
      <main className="content">
        <div className="page-head">
          <div>
            <h1>Projects</h1>
            <p className="muted">Each project holds videos, label classes and a team.</p>
          </div>
          <button className="btn btn-primary" onClick={() => setShowForm((v) => !v)} data-testid="new-project">
            + New project
          </button>
        </div>
        {showForm && (
          <form className="card form-row" onSubmit={create}>
            <label className="field grow">
              <span>Name</span>
              <input name="project-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
            </label>
            <label className="field grow">
              <span>Label classes (comma separated)</span>
              <input
                name="project-labels"
                value={labels}
                placeholder="person, car, dog"
                onChange={(e) => setLabels(e.target.value)}
              />
            </label>
            <button className="btn btn-primary" type="submit" disabled={creating || !name.trim()}>
              {creating ? "Creating…" : "Create project"}
            </button>
          </form>
        )}
        {projects === null ? (
          <div className="empty">Loading…</div>
        ) : projects.length === 0 ? (
          <div className="empty card">
            <h3>No projects yet</h3>
            <p className="muted">Create one to upload videos and start labeling.</p>
          </div>
        ) : (
          <div className="project-grid">
            {projects.map((p) => (
              <Link key={p.id} to={`/projects/${p.id}`} className="card project-card" data-testid="project-card">
                <div className="project-card-head">
                  <h3>{p.name}</h3>
                  {p.role && <span className={`role-badge role-${p.role}`}>{p.role}</span>}
                </div>
                {p.description && <p className="muted">{p.description}</p>}
                <div className="project-meta">
                  <span>{p.num_videos} video{p.num_videos === 1 ? "" : "s"}</span>
                  <span className="label-chips">
                    {p.labels.slice(0, 6).map((l) => (
                      <span key={l.id} className="chip" style={{ borderColor: l.color }}>
                        <span className="dot" style={{ background: l.color }} />
                        {l.name}
                      </span>
                    ))}
                  </span>
                </div>
              </Link>
            ))}
          </div>
        )}
      </main>
    </div>
  );
}
