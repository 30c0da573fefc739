// The signed-in user's menu in the top bar: My work, change password, the Django admin
// (staff), sign out.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useAuth } from "./auth";
import { colorFor } from "./colorFor";
import { useToast } from "./toasts";
import "../pages/work.css";

export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const submit = async () => {
    if (next !== again) return setError("The new passwords do not match.");
    setBusy(true);
    setError(null);
    try {
      await api("/api/auth/password/", { body: { old_password: old, new_password: next } });
      toast("success", "Password changed.");
      onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form
        className="modal form-stack"
        role="dialog"
        aria-label="Change password"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        data-testid="password-dialog"
      >
        <div className="modal-head">
          <h2>Change password</h2>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <label className="field">
          Current password
          <input type="password" autoComplete="current-password" value={old} onChange={(e) => setOld(e.target.value)} name="old_password" autoFocus />
        </label>
        <label className="field">
          New password
          <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} name="new_password" />
        </label>
        <label className="field">
          New password again
          <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} name="new_password2" />
        </label>
        {error && <div className="form-error" data-testid="password-error">{error}</div>}
        <button className="btn btn-primary" type="submit" disabled={busy || !old || !next}>
          Change password
        </button>
      </form>
    </div>
  );
}

export default function UserMenu() {
  const { me, logout } = useAuth();
  const nav = useNavigate();
  const [open, setOpen] = useState(false);
  const [pw, setPw] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => !box.current?.contains(e.target as Node) && setOpen(false);
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [open]);
  if (!me) return null;
  return (
    <div className="user-menu" ref={box}>
      <button className="user-menu-btn" onClick={() => setOpen(!open)} aria-haspopup="menu" aria-expanded={open} data-testid="user-menu">
        <span className="avatar" style={{ background: colorFor(me.username) }} title={me.username}>
          {me.username.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-name">{me.username}</span>
        <span className="muted">▾</span>
      </button>
      {open && (
        <div className="menu" role="menu">
          <Link to="/me/work" role="menuitem" onClick={() => setOpen(false)}>
            My work
          </Link>
          <button
            role="menuitem"
            onClick={() => {
              setOpen(false);
              setPw(true);
            }}
            data-testid="change-password"
          >
            Change password
          </button>
          {me.is_staff && (
            <a href="/admin/" role="menuitem" data-testid="admin-link">
              Django admin (users, staff)
            </a>
          )}
          <button
            role="menuitem"
            onClick={async () => {
              await logout();
              nav("/login");
            }}
          >
            Sign out
          </button>
        </div>
      )}
      {pw && <PasswordDialog onClose={() => setPw(false)} />}
    </div>
  );
}
