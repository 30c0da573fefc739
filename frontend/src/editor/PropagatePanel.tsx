// The sidebar's propagation panel: direction buttons, scope, progress and cancel.
import { ProgressBar } from "../components/layout";
import type { Direction } from "../protocol/wire";
import type { EditorController } from "./controller";

export default function PropagatePanel({
  ctl,
  canAnnotate,
  onlySelected,
  setOnlySelected,
  propagate,
}: {
  ctl: EditorController;
  canAnnotate: boolean;
  onlySelected: boolean;
  setOnlySelected: (on: boolean) => void;
  propagate: (direction: Direction) => void;
}) {
  const prop = ctl.store.propagation;
  const off = !canAnnotate || prop?.running;
  return (
    <div className="panel">
      <div className="panel-head">
        <h3>Propagate</h3>
        {prop?.running && prop.by && <span className="muted small">by {prop.by}</span>}
      </div>
      <div className="btn-group">
        <button className="btn btn-sm" disabled={off} onClick={() => propagate("backward")} title="Backward" data-testid="propagate-backward">
          ◀ Back
        </button>
        <button className="btn btn-sm btn-primary" disabled={off} onClick={() => propagate("both")} title="Both directions (P)" data-testid="propagate-both">
          ◀ Both ▶
        </button>
        <button className="btn btn-sm" disabled={off} onClick={() => propagate("forward")} title="Forward (Shift+P)" data-testid="propagate-forward">
          Fwd ▶
        </button>
      </div>
      <label className="check small">
        <input type="checkbox" checked={onlySelected} disabled={!canAnnotate} onChange={(e) => setOnlySelected(e.target.checked)} />
        Only the selected object
      </label>
      {prop && (
        <div className="prop-status" data-testid="propagation" data-running={prop.running ? "1" : "0"} data-done={prop.done} data-total={prop.total}>
          <ProgressBar
            value={prop.total ? (prop.done / prop.total) * 100 : prop.running ? 0 : 100}
            label={
              prop.running
                ? `${prop.done} / ${prop.total || "…"} frames`
                : `${prop.result === "done" ? "Done" : prop.result} · ${prop.done}/${prop.total}`
            }
            testId="propagation-progress"
          />
          {prop.running && (
            <button className="btn btn-sm btn-danger" onClick={() => ctl.cancelPropagation()} disabled={!canAnnotate} data-testid="propagate-cancel">
              Cancel
            </button>
          )}
        </div>
      )}
    </div>
  );
}
