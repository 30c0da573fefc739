// The sidebar's propagation panel: direction buttons, scope, and the propagation shown (yours
// while one runs, else a teammate's, else the last that ended): whose it is, which objects,
// progress, and Cancel, which stops exactly that job (anyone's, for an annotator).
import { ProgressBar } from "../components/layout";
import type { Direction } from "../protocol/wire";
import type { EditorController } from "./controller";

const RESULT: Record<string, string> = {
  done: "Done",
  cancelled: "Cancelled",
  superseded: "Replaced by a newer propagation",
  failed: "Failed",
  worker_lost: "Worker lost",
};

export default function PropagatePanel({
  ctl,
  canAnnotate,
  onlySelected,
  setOnlySelected,
  propagate,
  toast,
}: {
  ctl: EditorController;
  canAnnotate: boolean;
  onlySelected: boolean;
  setOnlySelected: (on: boolean) => void;
  propagate: (direction: Direction) => void;
  toast: (kind: "info" | "success", text: string) => void;
}) {
  const store = ctl.store;
  const prop = store.propagation;
  const running = !!prop?.running;
  const mine = running && (prop!.by === null || prop!.by === store.you);
  const owner = !prop ? "" : mine || prop.by === store.you ? "Your propagation" : `${prop.by ?? "Someone"}'s propagation`;
  const names = running
    ? ctl.propagatingObjects(prop!.by).map((id) => store.objects.get(id)?.name).filter(Boolean).join(", ")
    : "";
  // Yours blocks a second start (it would replace itself); a teammate's does not: the server
  // runs propagations of different objects side by side.
  const off = !canAnnotate || mine;
  const cancel = async () => {
    if (!prop) return;
    const ok = await ctl.cancelPropagation(prop.job ?? null);
    if (ok && !mine) toast("info", `Cancelled ${prop.by ?? "a teammate"}'s propagation.`);
  };
  return (
    <div className="panel">
      <div className="panel-head">
        <h3>Propagate</h3>
        {running && prop!.by && <span className="muted small">by {prop!.by === store.you ? "you" : prop!.by}</span>}
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
        <input type="checkbox" checked={onlySelected} disabled={!canAnnotate} onChange={(e) => setOnlySelected(e.target.checked)} data-testid="propagate-only-selected" />
        Only the selected object
      </label>
      {running && !mine && canAnnotate && (
        <div className="muted small" data-testid="propagate-alongside">
          Yours can run alongside. Tick “Only the selected object”: a propagation of the same objects replaces theirs.
        </div>
      )}
      {prop && (
        <div
          className="prop-status"
          data-testid="propagation"
          data-running={running ? "1" : "0"}
          data-done={prop.done}
          data-total={prop.total}
          data-by={prop.by ?? ""}
          data-job={prop.job ?? ""}
        >
          <div className="small prop-owner" data-testid="propagation-owner">
            {owner}
            {names && <span className="muted">: {names}</span>}
          </div>
          <ProgressBar
            value={prop.total ? (prop.done / prop.total) * 100 : running ? 0 : 100}
            label={running ? `${prop.done} / ${prop.total || "…"} frames` : `${RESULT[prop.result ?? "done"] ?? prop.result} · ${prop.done}/${prop.total}`}
            testId="propagation-progress"
          />
          {running &&
            (canAnnotate ? (
              <button
                className="btn btn-sm btn-danger"
                onClick={cancel}
                title={mine ? "Stop your propagation" : `Stop ${prop.by ?? "this"}'s propagation, for everyone`}
                data-testid="propagate-cancel"
              >
                {mine ? "Cancel" : `Cancel ${prop.by ?? "it"}'s`}
              </button>
            ) : (
              <span className="muted small" data-testid="propagate-cancel-denied">
                Only annotators can cancel a propagation.
              </span>
            ))}
        </div>
      )}
    </div>
  );
}
