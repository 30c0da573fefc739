// The project's label classes.
import { useState } from "react";
import { api } from "../../api/client";
import { PALETTE } from "../../api/projectRules";
import { can, type LabelClass, type Project } from "../../api/types";
import { useScopedToast } from "../../components/toasts";

export default function LabelsCard({ project, onChange }: { project: Project; onChange: () => void }) {
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string | null>(null);
  const color = picked ?? nextColour(project.labels);
  const toast = useScopedToast();
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
            run(api(base, { body: { name: name.trim(), color } })).then(() => {
              setName("");
              setPicked(null);
            });
          }}
        >
          <input type="color" value={color} onChange={(e) => setPicked(e.target.value)} aria-label="New label colour" />
          <input placeholder="New label" value={name} onChange={(e) => setName(e.target.value)} name="label-name" />
          <button className="btn btn-sm" type="submit">
            Add
          </button>
        </form>
      )}
    </div>
  );
}

/** The first palette colour no label has yet (then round the palette), so a new label stands out. */
export function nextColour(labels: readonly { color: string }[]): string {
  const used = new Set(labels.map((l) => l.color.toLowerCase()));
  return PALETTE.find((c) => !used.has(c.toLowerCase())) ?? PALETTE[labels.length % PALETTE.length];
}
