// Shared page chrome: the top bar with brand, breadcrumbs and the signed-in user.
import { Link, NavLink } from "react-router-dom";
import { useAuth } from "./auth";
import { colorFor } from "./colorFor";
import UserMenu from "./UserMenu";

export { colorFor };

export interface Crumb {
  label: string;
  to?: string;
}

export function Logo() {
  return (
    <Link to="/" className="brand" aria-label="Maskflow home">
      <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden>
        <rect width="32" height="32" rx="7" fill="#1d2130" />
        <path d="M7 23c3-9 6-13 9-13s6 4 9 13" fill="none" stroke="#5b8cff" strokeWidth="3" strokeLinecap="round" />
        <circle cx="16" cy="10" r="3" fill="#ff5d8f" />
      </svg>
      <span>Maskflow</span>
    </Link>
  );
}

export function TopBar({ crumbs = [], children }: { crumbs?: Crumb[]; children?: React.ReactNode }) {
  const { me } = useAuth();
  return (
    <header className="topbar">
      <Logo />
      <nav className="crumbs" aria-label="Breadcrumb">
        {crumbs.map((c, i) => (
          <span key={i} className="crumb">
            <span className="crumb-sep">/</span>
            {c.to ? <Link to={c.to}>{c.label}</Link> : <span className="crumb-current">{c.label}</span>}
          </span>
        ))}
      </nav>
      <div className="topbar-right">
        {children}
        {me && (
          <NavLink to="/me/work" className="topbar-link" data-testid="my-work-link">
            My work
          </NavLink>
        )}
        <UserMenu />
      </div>
    </header>
  );
}

export function ProgressBar({ value, label, testId }: { value: number; label?: string; testId?: string }) {
  const pct = Math.max(0, Math.min(100, value));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct)}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      {label && <span className="progress-label">{label}</span>}
    </div>
  );
}

export function Spinner() {
  return <span className="spinner" aria-hidden />;
}
