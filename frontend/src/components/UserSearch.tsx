// A username field that suggests active users as you type (GET /api/users/?q=, for staff and
// project owners and admins; others just type the name).
import { useEffect, useState } from "react";
import { searchUsers, type UserHit } from "../api/review";

export default function UserSearch({
  value,
  onChange,
  exclude = [],
  placeholder = "Username",
  name = "member-username",
}: {
  value: string;
  onChange: (v: string) => void;
  exclude?: string[];
  placeholder?: string;
  name?: string;
}) {
  const [hits, setHits] = useState<UserHit[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  useEffect(() => {
    const q = value.trim();
    if (!q || !open) return setHits([]);
    const ctl = new AbortController();
    const t = setTimeout(() => {
      searchUsers(q, ctl.signal)
        .then((rows) => {
          setHits(rows.filter((u) => !exclude.includes(u.username)));
          setActive(0);
        })
        .catch(() => setHits([]));
    }, 150);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [value, open]); // eslint-disable-line react-hooks/exhaustive-deps
  const shown = open ? hits.filter((h) => h.username !== value) : [];
  const pick = (u: string) => {
    onChange(u);
    setOpen(false);
  };
  return (
    <div className="autocomplete">
      <input
        placeholder={placeholder}
        value={value}
        name={name}
        autoComplete="off"
        role="combobox"
        aria-expanded={shown.length > 0}
        aria-autocomplete="list"
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (!shown.length) return;
          if (e.key === "ArrowDown") setActive((a) => Math.min(shown.length - 1, a + 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
          else if (e.key === "Enter" && shown[active]) pick(shown[active].username);
          else if (e.key === "Escape") setOpen(false);
          else return;
          e.preventDefault();
        }}
      />
      {shown.length > 0 && (
        <ul className="suggestions" role="listbox" data-testid="user-suggestions">
          {shown.map((u, i) => (
            <li
              key={u.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(u.username);
              }}
            >
              {u.username}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
