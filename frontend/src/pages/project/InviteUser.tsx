// The Team card's "Invite new user": owners and admins create an account without a password,
// added to the project with a role (POST /api/projects/{id}/invitations/); the answer's
// one-time link lets the new user choose their password.
import { useState } from "react";
import { api } from "../../api/client";
import { ROLES, type Member, type Role } from "../../api/types";
import type { SetPasswordLink } from "../../components/OneTimeLink";

export interface Invitation {
  member: Member;
  invite_url: string;
  expires_hours: number;
}

export function invitationLink(inv: Invitation): SetPasswordLink {
  return { url: inv.invite_url, expires_hours: inv.expires_hours };
}

export default function InviteUser({
  projectId,
  canGrantOwner,
  onInvited,
}: {
  projectId: number;
  canGrantOwner: boolean;
  onInvited: (inv: Invitation) => void;
}) {
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!open)
    return (
      <button className="link-btn small" onClick={() => setOpen(true)} data-testid="invite-open">
        Invite a new user…
      </button>
    );
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { username: username.trim(), role, ...(email.trim() ? { email: email.trim() } : {}) };
      const inv = await api<Invitation>(`/api/projects/${projectId}/invitations/`, { body });
      onInvited(inv);
      setOpen(false);
      setUsername("");
      setEmail("");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="form-stack invite-form"
      data-testid="invite-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input placeholder="New username" value={username} onChange={(e) => setUsername(e.target.value)} name="invite-username" aria-label="New username" autoFocus />
      <input placeholder="Email (optional)" type="email" value={email} onChange={(e) => setEmail(e.target.value)} name="invite-email" aria-label="Email" />
      <select value={role} aria-label="Role of the new user" name="invite-role" onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.filter((r) => r !== "owner" || canGrantOwner).map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {error && (
        <div className="form-error" role="alert" data-testid="invite-error">
          {error}
        </div>
      )}
      <div className="btn-group">
        <button className="btn btn-sm btn-primary" type="submit" disabled={busy || !username.trim()}>
          Create invite link
        </button>
        <button className="btn btn-sm btn-ghost" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
