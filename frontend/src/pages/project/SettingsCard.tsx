// Project settings: rename (owners and admins) and delete (owner only).
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import { can, type Project } from "../../api/types";
import { useToast } from "../../components/toasts";

export default function SettingsCard({ project, onChange }: { project: Project; onChange: () => void }) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const toast = useToast();
  const nav = useNavigate();
  if (!can(project.role, "manage")) return null;
  const changed = name.trim() !== project.name || description !== project.description;
  return (
    <div className="card side-card" data-testid="settings-card">
      <h2>Project</h2>
      <form
        className="form-stack"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api(`/api/projects/${project.id}/`, { method: "PATCH", body: { name: name.trim(), description } });
            toast("success", "Project saved.");
            onChange();
          } catch (err) {
            toast("error", (err as Error).message);
          }
        }}
      >
        <input value={name} onChange={(e) => setName(e.target.value)} name="project-rename" aria-label="Project name" />
        <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Description" aria-label="Description" />
        <button className="btn btn-sm" type="submit" disabled={!changed || !name.trim()} data-testid="project-save">
          Save
        </button>
      </form>
      {can(project.role, "own") && (
        <div className="team-extra">
          <button
            className="btn btn-sm btn-danger"
            data-testid="project-delete"
            onClick={async () => {
              const typed = prompt(`Delete “${project.name}” with all its videos and annotations? Type its name to confirm.`);
              if (typed !== project.name) return typed !== null && toast("info", "The name did not match; nothing was deleted.");
              try {
                await api(`/api/projects/${project.id}/`, { method: "DELETE" });
                toast("success", `Deleted “${project.name}”.`);
                nav("/");
              } catch (err) {
                toast("error", (err as Error).message);
              }
            }}
          >
            Delete project…
          </button>
        </div>
      )}
    </div>
  );
}
