// The project's team: members and their roles.
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client";
import { can, ROLES, type Member, type Project, type Role } from "../../api/types";
import { useToast } from "../../components/toasts";

export default function MembersCard({ project }: { project: Project }) {
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
