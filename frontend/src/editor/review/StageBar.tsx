// The video's workflow in the editor's top bar: stage, assignee and reviewer, and the moves
// this user may make: the assignee submits for review, the reviewer sends back (with a
// reason) or marks done; owners and admins may do all of them.
import { useState } from "react";
import { patchVideo, type Stage } from "../../api/review";
import type { Workflow } from "./reviewState";
import "./review.css";

export function stageMoves(w: Workflow, me: string | null, manage: boolean): ("submit" | "sendBack" | "done" | "reopen")[] {
  const out: ("submit" | "sendBack" | "done" | "reopen")[] = [];
  const assignee = manage || (me !== null && me === w.assignee);
  const reviewer = manage || (me !== null && me === w.reviewer);
  if (w.stage === "annotate" && assignee) out.push("submit");
  if (w.stage === "review" && reviewer) out.push("sendBack", "done");
  if (w.stage === "done" && manage) out.push("reopen");
  return out;
}

export const STAGE_TEXT: Record<Stage, string> = { annotate: "Annotating", review: "In review", done: "Done" };

export default function StageBar({
  videoId,
  workflow,
  me,
  manage,
  toast,
}: {
  videoId: number;
  workflow: Workflow;
  me: string | null;
  manage: boolean;
  toast: (kind: "error" | "info" | "success", text: string) => void;
}) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const moves = stageMoves(workflow, me, manage);
  const move = async (stage: Stage, why?: string) => {
    setBusy(true);
    try {
      await patchVideo(videoId, why ? { stage, reason: why } : { stage });
      toast("success", stage === "review" ? "Submitted for review." : stage === "done" ? "Marked done." : "Sent back to annotation.");
      setAsking(false);
      setReason("");
    } catch (e) {
      toast("error", (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stage-bar" data-testid="stage-bar" data-stage={workflow.stage}>
      <span className={`stage-badge stage-${workflow.stage}`} data-testid="stage">
        {STAGE_TEXT[workflow.stage]}
      </span>
      <span className="muted small stage-people">
        {workflow.assignee ?? "unassigned"} → {workflow.reviewer ?? "no reviewer"}
      </span>
      {workflow.stage === "annotate" && workflow.reason && (
        <span className="sent-back small" title={`Sent back by ${workflow.by ?? "the reviewer"}`} data-testid="sent-back-reason">
          sent back: {workflow.reason}
        </span>
      )}
      {moves.includes("submit") && (
        <button className="btn btn-sm btn-primary" disabled={busy} onClick={() => move("review")} data-testid="submit-review">
          Submit for review
        </button>
      )}
      {moves.includes("sendBack") &&
        (asking ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (reason.trim()) void move("annotate", reason.trim());
            }}
          >
            <input autoFocus placeholder="Why? (the annotator sees this)" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="send-back-reason" />
            <button className="btn btn-sm" type="submit" disabled={busy || !reason.trim()} data-testid="send-back-confirm">
              Send back
            </button>
            <button className="btn btn-sm btn-ghost" type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button className="btn btn-sm" disabled={busy} onClick={() => setAsking(true)} data-testid="send-back">
            Send back
          </button>
        ))}
      {moves.includes("done") && !asking && (
        <button className="btn btn-sm btn-primary" disabled={busy} onClick={() => move("done")} data-testid="mark-done">
          Done
        </button>
      )}
      {moves.includes("reopen") && (
        <button className="btn btn-sm" disabled={busy} onClick={() => move("review")} data-testid="reopen">
          Reopen review
        </button>
      )}
    </div>
  );
}
