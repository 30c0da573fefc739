// /reset/:uid/:token — a one-time set-password link (an invitation or a staff password reset).
// The link is checked first (GET /api/auth/password/reset/: whose it is, or why it no longer
// works); then the new password, twice, is set and the user is signed in with it.
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useAuth } from "../components/auth";
import { useToast } from "../components/toasts";

interface LinkOwner {
  username: string;
  invited: boolean;
}

/** The validators' messages for new_password one by one, else the error's one message. */
export function passwordErrors(e: unknown): string[] {
  if (e instanceof ApiError && e.body && typeof e.body === "object") {
    const list = (e.body as { errors?: { new_password?: unknown } }).errors?.new_password;
    if (Array.isArray(list) && list.length) return list.map(String);
  }
  return [e instanceof Error ? e.message : "Setting the password failed."];
}

export default function ResetPasswordPage() {
  const { uid = "", token = "" } = useParams();
  const { me, login } = useAuth();
  const nav = useNavigate();
  const toast = useToast();
  const [owner, setOwner] = useState<LinkOwner | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    const q = `uid=${encodeURIComponent(uid)}&token=${encodeURIComponent(token)}`;
    api<LinkOwner>(`/api/auth/password/reset/?${q}`)
      .then((o) => alive && setOwner(o))
      .catch((e) => alive && setLinkError((e as Error).message));
    return () => {
      alive = false;
    };
  }, [uid, token]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!owner) return;
    if (password !== again) return setErrors(["The two passwords do not match."]);
    setBusy(true);
    setErrors([]);
    try {
      await api("/api/auth/password/reset/", { body: { uid, token, new_password: password } });
    } catch (err) {
      setBusy(false);
      return setErrors(passwordErrors(err));
    }
    try {
      await login(owner.username, password);
      toast("success", owner.invited ? `Welcome, ${owner.username}: your password is set.` : "Your new password is set.");
      nav("/", { replace: true });
    } catch {
      toast("success", "Your new password is set: sign in with it.");
      nav("/login", { replace: true });
    }
  }

  return (
    <div className="login-page reset-page">
      <form className="login-card" onSubmit={submit} data-testid="reset-form">
        <div className="login-brand">
          <h1>Maskflow</h1>
          {owner && (
            <p className="muted" data-testid="reset-for">
              {owner.invited ? `Welcome, ${owner.username}. Choose a password to finish your account.` : `Choose a new password for ${owner.username}.`}
            </p>
          )}
        </div>
        {linkError ? (
          <>
            <div className="form-error" role="alert" data-testid="reset-link-error">
              {linkError}
            </div>
            <Link to="/login">Go to the sign-in page</Link>
          </>
        ) : !owner ? (
          <div className="muted">Checking the link…</div>
        ) : (
          <>
            {me && me.username !== owner.username && (
              <div className="muted small">You are signed in as {me.username}; this signs you in as {owner.username}.</div>
            )}
            <input type="text" name="username" autoComplete="username" value={owner.username} readOnly hidden />
            <label className="field">
              <span>New password</span>
              <input name="new_password" type="password" autoComplete="new-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} required />
            </label>
            <label className="field">
              <span>Repeat the new password</span>
              <input name="new_password2" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
            </label>
            {errors.length > 0 && (
              <div className="form-error" role="alert" data-testid="reset-error">
                {errors.length === 1 ? errors[0] : (
                  <ul>
                    {errors.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                  </ul>
                )}
              </div>
            )}
            <button className="btn btn-primary btn-block" type="submit" disabled={busy || !password || !again}>
              {busy ? "Setting the password…" : "Set password and sign in"}
            </button>
          </>
        )}
      </form>
    </div>
  );
}
