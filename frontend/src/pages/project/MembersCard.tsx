// The project's team: members and their roles; owners and admins add members (the name
// field suggests users) and invite new users with a one-time link; staff can also create a user
// with a password, make a member's password-reset link, and open the Django admin.
import { useState } from "react";
import { api } from "../../api/client";
import { can, ROLES, type Member, type Project, type Role } from "../../api/types";
import { useAuth } from "../../components/auth";
import OneTimeLink, { type SetPasswordLink } from "../../components/OneTimeLink";
import InviteUser, { invitationLink } from "./InviteUser";
import { useScopedToast } from "../../components/toasts";
import UserSearch from "../../components/UserSearch";
import "../work.css";

function RoleSelect({ value, onChange, label }: { value: Role; onChange: (r: Role) => void; label: string }) {
  return (
    <select value={value} aria-label={label} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

/** Staff only: create an account (POST /api/users/) and add it to the project. */
function CreateUser({ onCreate }: { onCreate: (username: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button className="link-btn small" onClick={() => setOpen(true)} data-testid="create-user-open">
        Create a user with a password…
      </button>
    );
  return (
    <form
      className="form-stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api("/api/users/", { body: { username: username.trim(), password, ...(email.trim() ? { email: email.trim() } : {}) } });
          await onCreate(username.trim());
          setOpen(false);
          setUsername("");
          setPassword("");
          setEmail("");
        } catch (err) {
          setError((err as Error).message);
        }
      }}
      data-testid="create-user"
    >
      <input placeholder="New username" value={username} onChange={(e) => setUsername(e.target.value)} name="new-username" />
      <input placeholder="Initial password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} name="new-password" />
      <input placeholder="Email (optional)" type="email" value={email} onChange={(e) => setEmail(e.target.value)} name="new-email" />
      {error && <div className="form-error">{error}</div>}
      <div className="btn-group">
        <button className="btn btn-sm btn-primary" type="submit" disabled={!username.trim() || !password}>
          Create and add
        </button>
        <button className="btn btn-sm btn-ghost" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export default function MembersCard({ project, members, onChange }: { project: Project; members: Member[]; onChange: () => void }) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const { me } = useAuth();
  const toast = useScopedToast();
  const manage = can(project.role, "manage");
  const [link, setLink] = useState<{ title: string; link: SetPasswordLink } | null>(null);
  const base = `/api/projects/${project.id}/members/`;

  async function run(p: Promise<unknown>): Promise<boolean> {
    let ok = true;
    try {
      await p;
    } catch (e) {
      toast("error", (e as Error).message);
      ok = false;
    }
    onChange();
    return ok;
  }
  const add = async (name: string) => {
    if (await run(api(base, { body: { username: name, role } }))) {
      setUsername("");
      toast("success", `${name} added as ${role}.`);
    }
  };

  const resetLink = async (m: Member) => {
    try {
      const l = await api<SetPasswordLink>(`/api/users/${m.user_id}/password-reset/`, { method: "POST" });
      setLink({ title: `Password reset link for ${m.username}`, link: l });
    } catch (e) {
      toast("error", (e as Error).message);
    }
  };

  return (
    <div className="card side-card" data-testid="team-card">
      <h2>Team</h2>
      <ul className="member-list">
        {members.map((m) => (
          <li key={m.user_id} data-testid="member-row">
            <span className="member-name">{m.username}</span>
            {manage ? (
              <RoleSelect
                value={m.role}
                label={`Role of ${m.username}`}
                onChange={(r) => run(api(`${base}${encodeURIComponent(m.username)}/`, { method: "PATCH", body: { role: r } }))}
              />
            ) : (
              <span className={`role-badge role-${m.role}`}>{m.role}</span>
            )}
            {me?.is_staff && m.user_id !== me.id && (
              <button
                className="btn btn-ghost btn-sm"
                title={`Reset password of ${m.username}: make a one-time link`}
                aria-label={`Reset password of ${m.username}`}
                data-testid="member-reset-password"
                onClick={() => void resetLink(m)}
              >
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round">
                  <circle cx="5" cy="8" r="3" />
                  <path d="M8 8h6M12 8v3M14 8v2" />
                </svg>
              </button>
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
      {link && <OneTimeLink title={link.title} link={link.link} onClose={() => setLink(null)} />}
      {manage && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (username.trim()) void add(username.trim());
          }}
        >
          <UserSearch value={username} onChange={setUsername} exclude={members.map((m) => m.username)} />
          <RoleSelect value={role} onChange={setRole} label="Role" />
          <button className="btn btn-sm" type="submit">
            Add
          </button>
        </form>
      )}
      {manage && (
        <div className="team-extra">
          <InviteUser
            projectId={project.id}
            canGrantOwner={project.role === "owner"}
            onInvited={(inv) => {
              setLink({ title: `Invitation for ${inv.member.username} (${inv.member.role})`, link: invitationLink(inv) });
              toast("success", `${inv.member.username} invited as ${inv.member.role}: hand them the link.`);
              onChange();
            }}
          />
          {me?.is_staff && (
            <>
              <CreateUser onCreate={add} />
              <a href="/admin/auth/user/" className="small" data-testid="admin-users-link">
                Manage users in the Django admin ↗
              </a>
            </>
          )}
        </div>
      )}
    </div>
  );
}
