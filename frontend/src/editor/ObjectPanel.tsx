// The object (masklet) list: select, rename, relabel, hide, review and delete. Virtualised:
// rows have one height and only those in (or near) the list's viewport are in the DOM, so
// 50+ objects cost what a handful do.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import type { LabelClass } from "../api/types";
import type { ObjectOut } from "../protocol/messages";
import type { ReviewStatus } from "../protocol/wire";
import type { EditorController } from "./controller";
import type { MaskEntry } from "./store";

interface Props {
  objects: ObjectOut[];
  labels: LabelClass[];
  selected: number | null;
  hidden: Set<number>;
  frameMasks: Map<number, MaskEntry> | undefined;
  maskCounts: Map<number, number>;
  canAnnotate: boolean;
  canReview: boolean;
  newLabel: string | null;
  setNewLabel: (l: string | null) => void;
  ctl: EditorController;
  onToggleHidden: (id: number) => void;
  /** Extra per-object actions (the masklet menu), drawn in the row's action buttons. */
  menu?: (o: ObjectOut) => ReactNode;
}

const REVIEW: ReviewStatus[] = ["draft", "submitted", "accepted", "rejected"];
/** One row's height with its gap (px); the list shows at most MAX_ROWS before it scrolls. */
export const ROW_H = 62;
const MAX_ROWS = 7;
const OVERSCAN = 3;

export default function ObjectPanel(p: Props) {
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState("");
  const list = useRef<HTMLUListElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(0);
  const n = p.objects.length;
  const listH = Math.min(Math.max(1, n), MAX_ROWS) * ROW_H;
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // jsdom (and a first layout) report no height: window as if the list had its CSS height.
  const h = viewH || listH;
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(n, Math.ceil((scrollTop + h) / ROW_H) + OVERSCAN);
  // The selected object scrolls into view (a click on the video, a number key, the timeline).
  useEffect(() => {
    const el = list.current;
    const i = p.objects.findIndex((o) => o.id === p.selected);
    if (!el || i < 0) return;
    if (i * ROW_H < el.scrollTop) el.scrollTop = i * ROW_H;
    else if ((i + 1) * ROW_H > el.scrollTop + h) el.scrollTop = (i + 1) * ROW_H - h;
    setScrollTop(el.scrollTop);
  }, [p.selected, p.objects, h]);

  return (
    <div className="panel">
      <div className="panel-head">
        <h3>Objects</h3>
        <span className="muted small">{p.objects.length}</span>
      </div>
      <div className="new-object">
        <select
          value={p.newLabel ?? ""}
          onChange={(e) => p.setNewLabel(e.target.value || null)}
          disabled={!p.canAnnotate}
          aria-label="Label for new objects"
          data-testid="new-object-label"
        >
          <option value="">No label</option>
          {p.labels.map((l) => (
            <option key={l.id} value={l.name}>
              {l.name}
            </option>
          ))}
        </select>
        <button
          className="btn btn-primary btn-sm"
          disabled={!p.canAnnotate}
          onClick={() => p.ctl.createObject(p.newLabel)}
          title="New object (N)"
          data-testid="new-object"
        >
          + New
        </button>
      </div>
      <ul
        className="object-list"
        data-testid="object-list"
        ref={list}
        style={{ height: listH, maxHeight: "42vh" }}
        onScroll={(e) => setScrollTop((e.target as HTMLUListElement).scrollTop)}
      >
        {n === 0 && <li className="muted small empty-row">No objects yet.</li>}
        {n > 0 && <li className="object-list-spacer" style={{ height: n * ROW_H }} aria-hidden />}
        {p.objects.slice(first, last).map((o, k) => {
          const idx = first + k;
          const m = p.frameMasks?.get(o.id);
          const onFrame = m && !m.empty;
          return (
            <li
              key={o.id}
              style={{ top: idx * ROW_H, height: ROW_H - 4 }}
              className={`object-row ${o.id === p.selected ? "selected" : ""} ${p.hidden.has(o.id) ? "is-hidden" : ""}`}
              onClick={() => p.ctl.select(o.id === p.selected ? null : o.id)}
              data-testid="object-row"
              data-object-id={o.id}
              data-on-frame={onFrame ? "1" : "0"}
            >
              <span className="swatch lg" style={{ background: o.color }}>
                {idx < 9 ? idx + 1 : ""}
              </span>
              <div className="object-main">
                {editing === o.id ? (
                  <input
                    className="rename"
                    autoFocus
                    value={draft}
                    onClick={(e) => e.stopPropagation()}
                    onChange={(e) => setDraft(e.target.value)}
                    onKeyDown={(e) => {
                      e.stopPropagation();
                      if (e.key === "Enter") {
                        if (draft.trim() && draft !== o.name) p.ctl.renameObject(o.id, draft.trim());
                        setEditing(null);
                      } else if (e.key === "Escape") setEditing(null);
                    }}
                    onBlur={() => {
                      if (draft.trim() && draft !== o.name) p.ctl.renameObject(o.id, draft.trim());
                      setEditing(null);
                    }}
                    data-testid="rename-input"
                  />
                ) : (
                  <div
                    className="object-name"
                    title={`${o.name || `object ${o.id}`} · double-click to rename`}
                    onDoubleClick={(e) => {
                      if (!p.canAnnotate) return;
                      e.stopPropagation();
                      setDraft(o.name);
                      setEditing(o.id);
                    }}
                  >
                    <span className="object-name-text">{o.name || `object ${o.id}`}</span>
                    <span className="object-stats" title="frames with a mask · score on this frame">
                      {p.maskCounts.get(o.id) ?? 0} fr{m?.score != null ? ` · ${m.score.toFixed(2)}` : ""}
                    </span>
                  </div>
                )}
                <div className="object-sub">
                  <select
                    value={o.label ?? ""}
                    disabled={!p.canAnnotate}
                    onClick={(e) => e.stopPropagation()}
                    onChange={(e) => p.ctl.setObjectLabel(o.id, e.target.value || null)}
                    aria-label="Label"
                  >
                    <option value="">no label</option>
                    {p.labels.map((l) => (
                      <option key={l.id} value={l.name}>
                        {l.name}
                      </option>
                    ))}
                  </select>
                  <select
                    className={`review-select review-text-${o.review_status}`}
                    value={o.review_status}
                    disabled={!p.canReview && !p.canAnnotate}
                    onClick={(e) => e.stopPropagation()}
                    onChange={(e) => p.ctl.setReview(o.id, e.target.value as ReviewStatus)}
                    aria-label="Review status"
                  >
                    {REVIEW.filter((r) => p.canReview || r === "draft" || r === "submitted" || r === o.review_status).map(
                      (r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ),
                    )}
                  </select>
                </div>
              </div>
              <div className="object-actions" onClick={(e) => e.stopPropagation()}>
                {p.menu?.(o)}
                <button
                  className="icon-btn"
                  title={p.hidden.has(o.id) ? "Show" : "Hide"}
                  onClick={() => p.onToggleHidden(o.id)}
                  aria-label={p.hidden.has(o.id) ? "Show object" : "Hide object"}
                >
                  {p.hidden.has(o.id) ? (
                    <svg viewBox="0 0 24 24" width="16" height="16"><path d="M3 3l18 18M10.6 10.6a2 2 0 0 0 2.8 2.8M9.9 5.1A10 10 0 0 1 12 5c5 0 9 5 10 7a13 13 0 0 1-3 3.7M6.6 6.6A13 13 0 0 0 2 12c1 2 5 7 10 7a9.7 9.7 0 0 0 4.4-1" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" /></svg>
                  ) : (
                    <svg viewBox="0 0 24 24" width="16" height="16"><path d="M2 12c1-2 5-7 10-7s9 5 10 7c-1 2-5 7-10 7S3 14 2 12z" fill="none" stroke="currentColor" strokeWidth="1.8" /><circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" strokeWidth="1.8" /></svg>
                  )}
                </button>
                {p.canAnnotate && (
                  <>
                    <button
                      className="icon-btn"
                      title="Rename"
                      aria-label="Rename object"
                      onClick={() => {
                        setDraft(o.name);
                        setEditing(o.id);
                      }}
                    >
                      <svg viewBox="0 0 24 24" width="16" height="16"><path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" /></svg>
                    </button>
                    <button
                      className="icon-btn danger"
                      title="Delete"
                      aria-label="Delete object"
                      onClick={() => confirm(`Delete “${o.name || `object ${o.id}`}” and all its masks?`) && p.ctl.deleteObject(o.id)}
                    >
                      <svg viewBox="0 0 24 24" width="16" height="16"><path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" /></svg>
                    </button>
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
