// The review side of a room, independent of React: comments, quality flags, the video's
// assignment and stage, and the role pushed by access.changed. Fed by REST reads and the
// room's comment.*, flags, video.updated and access.changed messages.
import type { ServerMessage } from "../../protocol/messages";
import type { Comment, FlagReason, Stage } from "../../api/review";
import type { FlagOut } from "../../protocol/messages";

export interface Workflow {
  assignee: string | null;
  reviewer: string | null;
  stage: Stage;
  reason?: string | null;
  by?: string | null;
}

export interface FrameFlag {
  frame: number;
  score: number;
  reasons: FlagReason[];
  objects: number[];
}

export class ReviewState {
  comments = new Map<number, Comment>();
  /** object id -> frame -> flag */
  flags = new Map<number, Map<number, FlagOut>>();
  workflow: Workflow;
  /** The role access.changed said last (null until one came). */
  pushedRole: string | null = null;
  version = 0;
  private listeners = new Set<() => void>();

  constructor(workflow: Workflow) {
    this.workflow = workflow;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const fn of [...this.listeners]) fn();
  }

  loadComments(rows: Comment[]): void {
    for (const c of rows) this.comments.set(c.id, c);
    this.changed();
  }

  upsertComment(c: Comment): void {
    this.comments.set(c.id, c);
    this.changed();
  }

  loadFlags(rows: (FlagOut & { object_id: number })[]): void {
    this.flags.clear();
    for (const r of rows) {
      let m = this.flags.get(r.object_id);
      if (!m) this.flags.set(r.object_id, (m = new Map()));
      m.set(r.frame, { frame: r.frame, score: r.score, reasons: r.reasons });
    }
    this.changed();
  }

  /** flags {object_id, start, end, frames}: the range's flags are now exactly `frames`. */
  applyFlags(objectId: number, start: number, end: number, frames: FlagOut[]): void {
    let m = this.flags.get(objectId);
    if (!m) this.flags.set(objectId, (m = new Map()));
    for (const f of [...m.keys()]) if (f >= start && f <= end) m.delete(f);
    for (const fl of frames) m.set(fl.frame, fl);
    this.changed();
  }

  setPushedRole(role: string | null): void {
    if (role === this.pushedRole) return;
    this.pushedRole = role;
    this.changed();
  }

  setWorkflow(w: Workflow): void {
    this.workflow = w;
    this.changed();
  }

  apply(msg: ServerMessage): void {
    switch (msg.type) {
      case "comment.created":
      case "comment.updated":
        this.upsertComment(msg.comment);
        break;
      case "flags":
        this.applyFlags(msg.object_id, msg.start, msg.end, msg.frames);
        break;
      case "video.updated":
        this.setWorkflow({ assignee: msg.assignee, reviewer: msg.reviewer, stage: msg.stage, reason: msg.reason, by: msg.by });
        break;
      case "session.state":
        // A (re)join's snapshot carries the current role; a pushed one is older news.
        this.setPushedRole(null);
        break;
      case "access.changed":
        this.setPushedRole(msg.role);
        break;
    }
  }

  /** Flagged frames over the given live objects, merged per frame, in frame order. */
  frameFlags(live: (id: number) => boolean): FrameFlag[] {
    const by = new Map<number, FrameFlag>();
    for (const [oid, m] of this.flags) {
      if (!live(oid)) continue;
      for (const fl of m.values()) {
        const cur = by.get(fl.frame);
        if (!cur) by.set(fl.frame, { frame: fl.frame, score: fl.score, reasons: [...fl.reasons], objects: [oid] });
        else {
          cur.score = Math.max(cur.score, fl.score);
          cur.objects.push(oid);
          for (const r of fl.reasons) if (!cur.reasons.includes(r)) cur.reasons.push(r);
        }
      }
    }
    return [...by.values()].sort((a, b) => a.frame - b.frame);
  }

  /** Top-level comments (frame order, then time) with their replies (time order). */
  threads(): { root: Comment; replies: Comment[] }[] {
    const all = [...this.comments.values()];
    const roots = all.filter((c) => c.parent === null || !this.comments.has(c.parent));
    const byTime = (a: Comment, b: Comment) => a.created_at.localeCompare(b.created_at) || a.id - b.id;
    roots.sort((a, b) => a.frame - b.frame || byTime(a, b));
    return roots.map((root) => ({
      root,
      replies: all.filter((c) => c.parent === root.id).sort(byTime),
    }));
  }
}

/** The next (dir 1) or previous (dir -1) frame of a sorted list after `from`, wrapping; null if empty. */
export function stepTo(sorted: number[], from: number, dir: 1 | -1): number | null {
  if (!sorted.length) return null;
  if (dir === 1) return sorted.find((f) => f > from) ?? sorted[0];
  for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i] < from) return sorted[i];
  return sorted[sorted.length - 1];
}

export type LookReason = "flagged" | "commented" | "unreviewed";

/** The frames that need a look, in frame order, with why: flagged frames, frames with an open
 *  comment, and the prompted frames of masklets nobody accepted yet (where the work was done). */
export function reviewQueue(
  flags: FrameFlag[],
  comments: Iterable<Comment>,
  unreviewed: Iterable<{ promptFrames: Iterable<number> }>,
): { frame: number; why: LookReason[] }[] {
  const out = new Map<number, LookReason[]>();
  const add = (f: number, why: LookReason) => {
    const cur = out.get(f);
    if (!cur) out.set(f, [why]);
    else if (!cur.includes(why)) cur.push(why);
  };
  for (const fl of flags) add(fl.frame, "flagged");
  for (const c of comments) if (!c.resolved) add(c.frame, "commented");
  for (const t of unreviewed) for (const f of t.promptFrames) add(f, "unreviewed");
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([frame, why]) => ({ frame, why }));
}
