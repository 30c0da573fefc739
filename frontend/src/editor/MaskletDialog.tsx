// The per-object masklet dialog: split at the current frame, merge into another object, clear
// a frame range, duplicate, undo the last split or duplicate, and the frame jumps.
import { useState } from "react";
import type { ObjectOut } from "../protocol/messages";
import "./masklets.css";
import type { MaskletUndo } from "./masklets";

export type DialogMode = "menu" | "merge" | "clear";

interface Props {
  object: ObjectOut;
  objects: ObjectOut[];
  frame: number;
  numFrames: number;
  initialMode: DialogMode;
  undo: MaskletUndo | null;
  name: (id: number) => string;
  onClose: () => void;
  onSplit: () => void;
  onDuplicate: () => void;
  onMerge: (intoId: number) => void;
  onClear: (start: number, end: number) => void;
  onUndo: () => void;
  onJump: (what: "prompt" | "gap", dir: 1 | -1) => void;
}

export default function MaskletDialog(p: Props) {
  const others = p.objects.filter((o) => o.id !== p.object.id);
  const [into, setInto] = useState<number | null>(others[0]?.id ?? null);
  const [start, setStart] = useState(p.frame);
  const [end, setEnd] = useState(p.initialMode === "clear" ? p.numFrames - 1 : p.frame);
  const last = p.numFrames - 1;
  const clamp = (v: number) => Math.max(0, Math.min(last, Math.round(Number.isFinite(v) ? v : 0)));
  const done = (fn: () => void) => () => {
    fn();
    p.onClose();
  };
  const undoText = p.undo && (p.undo.kind === "split" ? `Undo split of “${p.name(p.undo.from)}” (merge “${p.name(p.undo.to)}” back)` : `Undo duplicate (delete “${p.name(p.undo.copy)}”)`);
  return (
    <div className="modal-backdrop" onClick={p.onClose} data-testid="masklet-dialog">
      <div
        className="modal masklet-dialog"
        role="dialog"
        aria-label={`Masklet ${p.name(p.object.id)}`}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && p.onClose()}
      >
        <div className="modal-head">
          <h2>
            <span className="swatch" style={{ background: p.object.color }} /> {p.name(p.object.id)}
          </h2>
          <button className="btn btn-ghost btn-sm" onClick={p.onClose} aria-label="Close">
            ×
          </button>
        </div>
        <section className="masklet-row">
          <button className="btn btn-sm" onClick={done(p.onSplit)} data-testid="masklet-split" autoFocus={p.initialMode === "menu"}>
            Split at frame {p.frame}
          </button>
          <span className="muted small">Frames {p.frame}+ become a new object (S). Undo below.</span>
        </section>
        <section className="masklet-row">
          <button className="btn btn-sm" onClick={done(p.onDuplicate)} data-testid="masklet-duplicate">
            Duplicate
          </button>
          <span className="muted small">A new object with a copy of the masks and prompts (D).</span>
        </section>
        <section className="masklet-row">
          <label className="small">
            Merge into{" "}
            <select value={into ?? ""} onChange={(e) => setInto(Number(e.target.value))} data-testid="masklet-merge-target" autoFocus={p.initialMode === "merge"} disabled={!others.length}>
              {others.map((o) => (
                <option key={o.id} value={o.id}>
                  {p.name(o.id)}
                </option>
              ))}
            </select>
          </label>
          <button className="btn btn-sm" disabled={into === null} onClick={done(() => into !== null && p.onMerge(into))} data-testid="masklet-merge">
            Merge
          </button>
          <span className="muted small">Where both have a mask, the target keeps its own. Cannot be undone (U).</span>
        </section>
        <section className="masklet-row">
          <label className="small">
            Clear frames{" "}
            <input type="number" min={0} max={last} value={start} onChange={(e) => setStart(clamp(e.target.valueAsNumber))} aria-label="First frame to clear" data-testid="masklet-clear-start" />
          </label>
          <label className="small">
            to <input type="number" min={0} max={last} value={end} onChange={(e) => setEnd(clamp(e.target.valueAsNumber))} aria-label="Last frame to clear" data-testid="masklet-clear-end" autoFocus={p.initialMode === "clear"} />
          </label>
          <button className="btn btn-ghost btn-sm" onClick={() => setEnd(last)} title="To the last frame">
            → end
          </button>
          <button
            className="btn btn-sm danger"
            onClick={done(() => p.onClear(start, end))}
            data-testid="masklet-clear"
          >
            Clear {Math.abs(end - start) + 1} frame{start === end ? "" : "s"}
          </button>
          <span className="muted small">Masks and prompts there are deleted. Cannot be undone (X).</span>
        </section>
        <section className="masklet-row">
          <button className="btn btn-ghost btn-sm" onClick={() => p.onJump("prompt", -1)} title="Previous prompted frame (Shift + K)">
            ◀ prompt
          </button>
          <button className="btn btn-ghost btn-sm" onClick={() => p.onJump("prompt", 1)} title="Next prompted frame (K)">
            prompt ▶
          </button>
          <button className="btn btn-ghost btn-sm" onClick={() => p.onJump("gap", 1)} title="Next frame without a mask of the selected object (J)">
            next gap ▶
          </button>
        </section>
        {undoText && (
          <section className="masklet-row">
            <button className="btn btn-sm" onClick={done(p.onUndo)} data-testid="masklet-undo">
              {undoText}
            </button>
          </section>
        )}
      </div>
    </div>
  );
}
