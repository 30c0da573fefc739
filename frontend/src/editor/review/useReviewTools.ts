// The editor's review tools in one hook: flags merged per frame, the review queue, timeline
// marks, stepping (F / Shift+F: next / previous flagged frame; R / Shift+R: next / previous
// frame that needs a look) and comment mode (M: the next click on the video picks a point).
import { useCallback, useEffect, useMemo, useState } from "react";
import { REASON_TEXT } from "../../api/review";
import type { ObjectOut } from "../../protocol/messages";
import { controlOwnsKey } from "../keys";
import type { EditorStore } from "../store";
import type { TimelineMark } from "./ReviewMarks";
import { reviewQueue, stepTo, type ReviewState } from "./reviewState";

export function useReviewTools(a: {
  review: ReviewState;
  reviewVersion: number;
  store: EditorStore;
  version: number;
  objects: ObjectOut[];
  frameRef: { current: number };
  seek: (f: number) => void;
  select: (id: number | null) => void;
  canComment: boolean;
  toast: (kind: "info", text: string) => void;
}) {
  const { review, reviewVersion, store, version, objects, frameRef, seek, select, canComment, toast } = a;
  const [reviewMode, setReviewMode] = useState(false);
  const [commentMode, setCommentMode] = useState(false);
  const [point, setPoint] = useState<[number, number] | null>(null);

  const frameFlags = useMemo(
    () => review.frameFlags((id) => store.objects.has(id)),
    [review, reviewVersion, store, version], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const queue = useMemo(
    () =>
      reviewQueue(
        frameFlags,
        review.comments.values(),
        objects.filter((o) => o.review_status !== "accepted").map((o) => store.tracks.get(o.id) ?? { promptFrames: [] }),
      ),
    [frameFlags, review, reviewVersion, objects, store, version], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const marks = useMemo<TimelineMark[]>(() => {
    const out: TimelineMark[] = frameFlags.map((f) => ({
      frame: f.frame,
      kind: "flag",
      title: `Frame ${f.frame}: ${f.reasons.map((r) => REASON_TEXT[r] ?? r).join(", ")}`,
    }));
    for (const c of review.comments.values())
      if (!c.resolved && c.parent === null) out.push({ frame: c.frame, kind: "comment", title: `Frame ${c.frame}: ${c.author ?? ""}: ${c.text}` });
    return out;
  }, [frameFlags, review, reviewVersion]); // eslint-disable-line react-hooks/exhaustive-deps

  const stepFlag = useCallback(
    (dir: 1 | -1) => {
      const f = stepTo(frameFlags.map((x) => x.frame), frameRef.current, dir);
      if (f === null) return toast("info", "No flagged frames.");
      seek(f);
      const flagged = frameFlags.find((x) => x.frame === f);
      if (flagged) select(flagged.objects[0]);
    },
    [frameFlags, frameRef, seek, select, toast],
  );
  const stepQueue = useCallback(
    (dir: 1 | -1) => {
      const f = stepTo(queue.map((x) => x.frame), frameRef.current, dir);
      if (f === null) return toast("info", "Nothing left to look at.");
      setReviewMode(true);
      seek(f);
    },
    [queue, frameRef, seek, toast],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (controlOwnsKey(e.target, e.key) || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const k = e.key.toLowerCase();
      if (k === "f") stepFlag(e.shiftKey ? -1 : 1);
      else if (k === "r") stepQueue(e.shiftKey ? -1 : 1);
      else if (k === "m" && canComment) setCommentMode((m) => !m);
      else if (k === "escape" && commentMode) setCommentMode(false);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [stepFlag, stepQueue, canComment, commentMode]);

  const pickPoint = useCallback((x: number, y: number) => {
    setPoint([Math.round(x), Math.round(y)]);
    setCommentMode(false);
  }, []);

  return {
    frameFlags, queue, marks, stepFlag, stepQueue, reviewMode, setReviewMode,
    commentMode, setCommentMode, point, pickPoint, clearPoint: () => setPoint(null),
  };
}
