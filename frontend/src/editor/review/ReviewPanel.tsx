// The sidebar's review panel: accept or reject the selected masklet with a comment, post a
// comment pinned to this frame (optionally to the masklet and a point picked in comment
// mode), the threads (reply, resolve), the flags of this frame and review-mode stepping, and
// consensus between two annotators (ConsensusSection).
import { useState } from "react";
import { api } from "../../api/client";
import { REASON_TEXT, type Comment } from "../../api/review";
import type { ObjectOut } from "../../protocol/messages";
import ConsensusSection from "./ConsensusSection";
import type { FrameFlag, LookReason, ReviewState } from "./reviewState";
import "./review.css";

export interface ReviewPanelProps {
  videoId: number;
  review: ReviewState;
  reviewVersion: number;
  frame: number;
  objects: ObjectOut[];
  selected: number | null;
  canComment: boolean;
  canReview: boolean;
  frameFlags: FrameFlag[];
  queue: { frame: number; why: LookReason[] }[];
  reviewMode: boolean;
  setReviewMode: (on: boolean) => void;
  commentMode: boolean;
  setCommentMode: (on: boolean) => void;
  point: [number, number] | null;
  clearPoint: () => void;
  onSeek: (f: number) => void;
  onSelect: (id: number) => void;
  stepFlag: (dir: 1 | -1) => void;
  stepQueue: (dir: 1 | -1) => void;
  toast: (kind: "error" | "info" | "success", text: string) => void;
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function CommentBody({ c, name }: { c: Comment; name: (id: number | null) => string | null }) {
  const on = name(c.object_id);
  return (
    <>
      <div className="comment-meta">
        <strong>{c.author ?? "someone"}</strong>
        {c.decision && <span className={`decision decision-${c.decision}`}>{c.decision}</span>}
        {on && <span className="muted">on {on}</span>}
        {c.x !== null && c.y !== null && <span className="muted" title="Pinned point (video pixels)">@ {Math.round(c.x)},{Math.round(c.y)}</span>}
        <span className="muted comment-time">{when(c.created_at)}</span>
      </div>
      <div className="comment-text">{c.text}</div>
    </>
  );
}

export default function ReviewPanel(p: ReviewPanelProps) {
  const { review, frame, selected, objects, canComment, canReview, toast } = p;
  const [text, setText] = useState("");
  const [onMasklet, setOnMasklet] = useState(true);
  const [decision, setDecision] = useState("");
  const [replyTo, setReplyTo] = useState<number | null>(null);
  const [reply, setReply] = useState("");
  const [showResolved, setShowResolved] = useState(false);
  const [busy, setBusy] = useState(false);
  const byId = new Map(objects.map((o) => [o.id, o]));
  const name = (id: number | null) => (id === null ? null : byId.get(id)?.name || `object ${id}`);
  const sel = selected !== null ? byId.get(selected) : undefined;
  const base = `/api/videos/${p.videoId}`;

  const run = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await fn();
      if (done) toast("success", done);
      return true;
    } catch (e) {
      toast("error", (e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  // Posted comments come back in the response and by the room's comment.created: upsert both.
  const post = async (body: Record<string, unknown>) => review.upsertComment(await api<Comment>(`${base}/comments/`, { body }));

  const addComment = () =>
    run(async () => {
      const body: Record<string, unknown> = { frame, text: text.trim() };
      if (onMasklet && sel) body.object_id = sel.id;
      if (p.point) {
        body.x = p.point[0];
        body.y = p.point[1];
      }
      await post(body);
      setText("");
      p.clearPoint();
      p.setCommentMode(false);
    });
  const decide = (status: "accepted" | "rejected") =>
    sel &&
    run(async () => {
      const body: Record<string, unknown> = { status, frame };
      if (decision.trim()) body.comment = decision.trim();
      const res = await api<{ comment: Comment | null }>(`${base}/objects/${sel.id}/review/`, { body });
      if (res?.comment) review.upsertComment(res.comment);
      setDecision("");
    }, status === "accepted" ? `Accepted ${sel.name}.` : `Rejected ${sel.name}.`);
  const setResolved = (c: Comment, resolved: boolean) =>
    run(async () => review.upsertComment(await api<Comment>(`/api/comments/${c.id}/`, { method: "PATCH", body: { resolved } })));
  const sendReply = (root: Comment) =>
    run(async () => {
      await post({ frame: root.frame, text: reply.trim(), parent: root.id });
      setReply("");
      setReplyTo(null);
    });

  const threads = review.threads().filter((t) => showResolved || !t.root.resolved);
  const open = [...review.comments.values()].filter((c) => !c.resolved && c.parent === null).length;
  const here = p.frameFlags.find((f) => f.frame === frame);
  const stop = p.queue.findIndex((q) => q.frame === frame);

  return (
    <div className="panel review-panel" data-testid="review-panel">
      <div className="panel-head">
        <h3>Review</h3>
        <span className="muted small" data-testid="review-counts">
          {p.frameFlags.length} flagged · {open} open
        </span>
      </div>
      <div className="review-nav">
        <button className="btn btn-sm" onClick={() => p.stepFlag(1)} disabled={!p.frameFlags.length} title="Next flagged frame (F; Shift+F: previous)" data-testid="next-flag">
          Next flag <kbd>F</kbd>
        </button>
        <label className="check" title="R steps through flagged, commented and unreviewed frames">
          <input type="checkbox" checked={p.reviewMode} onChange={(e) => p.setReviewMode(e.target.checked)} data-testid="review-mode" />
          Review mode
        </label>
      </div>
      {p.reviewMode && (
        <div className="review-stop" data-testid="review-stop">
          <button className="btn btn-sm" onClick={() => p.stepQueue(-1)} disabled={!p.queue.length} aria-label="Previous frame to look at">
            ‹
          </button>
          <span>
            {p.queue.length === 0
              ? "Nothing left to look at."
              : stop >= 0
                ? `Stop ${stop + 1} / ${p.queue.length}: ${p.queue[stop].why.join(", ")}`
                : `${p.queue.length} frames to look at`}
          </span>
          <button className="btn btn-sm" onClick={() => p.stepQueue(1)} disabled={!p.queue.length} title="Next frame to look at (R)" data-testid="review-next">
            › <kbd>R</kbd>
          </button>
        </div>
      )}
      {here && (
        <div className="flag-here" data-testid="flag-here">
          <strong>Frame {frame} flagged</strong> ({Math.round(here.score * 100) / 100}):{" "}
          {here.reasons.map((r) => REASON_TEXT[r] ?? r).join(", ")} on{" "}
          {here.objects.map((oid, i) => (
            <span key={oid}>
              {i > 0 && ", "}
              <button className="link-btn" onClick={() => p.onSelect(oid)}>
                {name(oid)}
              </button>
            </span>
          ))}
        </div>
      )}
      {canReview && (
        <div className="review-decision" data-testid="review-decision">
          {sel ? (
            <>
              <div className="small">
                <span className="swatch" style={{ background: sel.color }} /> {sel.name}:{" "}
                <span className={`review-text-${sel.review_status}`} data-testid="decision-status">
                  {sel.review_status}
                </span>
              </div>
              <textarea rows={2} placeholder="Comment (needed to reject)" value={decision} onChange={(e) => setDecision(e.target.value)} data-testid="decision-comment" />
              <div className="btn-group">
                <button className="btn btn-sm btn-ok" disabled={busy} onClick={() => decide("accepted")} data-testid="accept">
                  Accept
                </button>
                <button className="btn btn-sm btn-danger" disabled={busy || !decision.trim()} onClick={() => decide("rejected")} data-testid="reject">
                  Reject
                </button>
              </div>
            </>
          ) : (
            <div className="muted small">Select a masklet to accept or reject it.</div>
          )}
        </div>
      )}
      {canReview && <ConsensusSection videoId={p.videoId} objects={objects} canPick={canReview} onSeek={p.onSeek} onSelect={p.onSelect} toast={toast} />}
      {canComment && (
        <form
          className="comment-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) void addComment();
          }}
        >
          <textarea rows={2} placeholder={`Comment on frame ${frame}…`} value={text} onChange={(e) => setText(e.target.value)} data-testid="comment-text" />
          <div className="comment-options">
            {sel && (
              <label className="check">
                <input type="checkbox" checked={onMasklet} onChange={(e) => setOnMasklet(e.target.checked)} />
                on {sel.name}
              </label>
            )}
            <button
              type="button"
              className={`btn btn-sm ${p.commentMode ? "btn-primary" : ""}`}
              onClick={() => (p.point ? p.clearPoint() : p.setCommentMode(!p.commentMode))}
              title="Pick a point on the video for this comment (M)"
              data-testid="comment-point"
            >
              {p.point ? `Point ${Math.round(p.point[0])},${Math.round(p.point[1])} ×` : p.commentMode ? "Click the video…" : "Pin a point"}
            </button>
            <button className="btn btn-sm btn-primary" type="submit" disabled={busy || !text.trim()} data-testid="comment-post">
              Comment
            </button>
          </div>
        </form>
      )}
      <div className="threads" data-testid="comment-threads">
        {threads.length === 0 && <div className="muted small">No {showResolved ? "" : "open "}comments.</div>}
        {threads.map(({ root, replies }) => (
          <div key={root.id} className={`thread ${root.resolved ? "resolved" : ""} ${root.frame === frame ? "here" : ""}`} data-testid="comment-thread" data-comment-id={root.id} data-frame={root.frame}>
            <div className="thread-head">
              <button className="link-btn" onClick={() => p.onSeek(root.frame)} title="Go to this frame">
                frame {root.frame}
              </button>
              {canComment && (
                <button className="link-btn small" onClick={() => setResolved(root, !root.resolved)} data-testid="resolve">
                  {root.resolved ? "Reopen" : "Resolve"}
                </button>
              )}
            </div>
            <CommentBody c={root} name={name} />
            {replies.map((r) => (
              <div key={r.id} className="reply" data-testid="comment-reply">
                <CommentBody c={r} name={name} />
              </div>
            ))}
            {canComment &&
              (replyTo === root.id ? (
                <form
                  className="reply-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (reply.trim()) void sendReply(root);
                  }}
                >
                  <input autoFocus value={reply} onChange={(e) => setReply(e.target.value)} placeholder="Reply…" data-testid="reply-text" />
                  <button className="btn btn-sm" type="submit" disabled={!reply.trim()}>
                    Reply
                  </button>
                </form>
              ) : (
                <button className="link-btn small" onClick={() => setReplyTo(root.id)} data-testid="reply">
                  Reply
                </button>
              ))}
          </div>
        ))}
        <label className="check small">
          <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />
          Show resolved
        </label>
      </div>
    </div>
  );
}
