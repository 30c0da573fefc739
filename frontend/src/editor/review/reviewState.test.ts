import { describe, expect, it } from "vitest";
import type { Comment } from "../../api/review";
import { stageMoves } from "./StageBar";
import { ReviewState, reviewQueue, stepTo } from "./reviewState";

const comment = (id: number, frame: number, extra: Partial<Comment> = {}): Comment => ({
  id, frame, object_id: null, parent: null, text: `c${id}`, x: null, y: null, resolved: false,
  decision: "", author: "rita", created_at: `2026-01-01T00:00:0${id}Z`, ...extra,
});

describe("ReviewState", () => {
  it("replaces only the flag range a flags message covers", () => {
    const r = new ReviewState({ assignee: null, reviewer: null, stage: "annotate" });
    r.loadFlags([
      { object_id: 1, frame: 2, score: 0.9, reasons: ["area_jump"] },
      { object_id: 1, frame: 20, score: 0.8, reasons: ["vanished"] },
    ]);
    r.apply({ type: "flags", object_id: 1, start: 0, end: 10, frames: [{ frame: 5, score: 0.7, reasons: ["centroid_jump"] }] });
    expect([...r.flags.get(1)!.keys()].sort((a, b) => a - b)).toEqual([5, 20]);
  });

  it("merges flags per frame over live objects only", () => {
    const r = new ReviewState({ assignee: null, reviewer: null, stage: "annotate" });
    r.loadFlags([
      { object_id: 1, frame: 3, score: 0.5, reasons: ["area_jump"] },
      { object_id: 2, frame: 3, score: 0.9, reasons: ["vanished", "area_jump"] },
      { object_id: 3, frame: 7, score: 0.9, reasons: ["vanished"] },
    ]);
    const ff = r.frameFlags((id) => id !== 3);
    expect(ff).toEqual([{ frame: 3, score: 0.9, reasons: ["area_jump", "vanished"], objects: [1, 2] }]);
  });

  it("threads replies under their root and upserts live comments", () => {
    const r = new ReviewState({ assignee: null, reviewer: null, stage: "annotate" });
    r.loadComments([comment(1, 9), comment(2, 4), comment(3, 9, { parent: 1 })]);
    r.apply({ type: "comment.updated", comment: comment(2, 4, { resolved: true }) });
    const t = r.threads();
    expect(t.map((x) => x.root.id)).toEqual([2, 1]);
    expect(t[1].replies.map((c) => c.id)).toEqual([3]);
    expect(r.comments.get(2)!.resolved).toBe(true);
  });

  it("takes video.updated and access.changed, and forgets a pushed role on rejoin", () => {
    const r = new ReviewState({ assignee: null, reviewer: null, stage: "annotate" });
    r.apply({ type: "video.updated", video_id: 1, assignee: "ann", reviewer: "rita", stage: "annotate", reason: "fix frame 3" });
    expect(r.workflow).toMatchObject({ assignee: "ann", stage: "annotate", reason: "fix frame 3" });
    r.apply({ type: "access.changed", role: "viewer" });
    expect(r.pushedRole).toBe("viewer");
    r.apply({ type: "session.state" } as never);
    expect(r.pushedRole).toBeNull();
  });
});

describe("stepping", () => {
  it("wraps both ways and says null when empty", () => {
    expect(stepTo([2, 5, 9], 5, 1)).toBe(9);
    expect(stepTo([2, 5, 9], 9, 1)).toBe(2);
    expect(stepTo([2, 5, 9], 2, -1)).toBe(9);
    expect(stepTo([], 0, 1)).toBeNull();
  });

  it("queues flagged, open-comment and unreviewed prompted frames with their reasons", () => {
    const q = reviewQueue(
      [{ frame: 4, score: 1, reasons: ["vanished"], objects: [1] }],
      [comment(1, 4), comment(2, 8, { resolved: true }), comment(3, 6)],
      [{ promptFrames: [0, 6] }],
    );
    expect(q).toEqual([
      { frame: 0, why: ["unreviewed"] },
      { frame: 4, why: ["flagged", "commented"] },
      { frame: 6, why: ["commented", "unreviewed"] },
    ]);
  });
});

describe("stage moves", () => {
  const w = { assignee: "ann", reviewer: "rita", stage: "annotate" as const };
  it("lets the assignee submit and the reviewer send back or finish", () => {
    expect(stageMoves(w, "ann", false)).toEqual(["submit"]);
    expect(stageMoves(w, "rita", false)).toEqual([]);
    expect(stageMoves({ ...w, stage: "review" }, "rita", false)).toEqual(["sendBack", "done"]);
    expect(stageMoves({ ...w, stage: "review" }, "ann", false)).toEqual([]);
    expect(stageMoves({ ...w, stage: "done" }, "boss", true)).toEqual(["reopen"]);
  });
});
