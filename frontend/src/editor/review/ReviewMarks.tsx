// Review marks on the timeline's ruler: flagged frames and commented frames, at most one
// mark of a kind per pixel column, only those in the visible frame window.
import { memo } from "react";
import "./review.css";

export interface TimelineMark {
  frame: number;
  kind: "flag" | "comment";
  title: string;
}

export const ReviewMarks = memo(function ReviewMarks({
  marks,
  start,
  span,
  width,
}: {
  marks: TimelineMark[];
  start: number;
  span: number;
  width: number;
}) {
  const fw = Math.max(1, width) / span;
  const seen = new Set<string>();
  const shown: (TimelineMark & { x: number })[] = [];
  for (const m of marks) {
    if (m.frame < start - 0.5 || m.frame >= start + span) continue;
    const x = (m.frame + 0.5 - start) * fw;
    const key = `${m.kind}:${Math.round(x / 3)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    shown.push({ ...m, x });
  }
  return (
    <>
      {shown.map((m) => (
        <span
          key={`${m.kind}:${m.frame}`}
          className={`review-mark mark-${m.kind}`}
          style={{ left: m.x }}
          title={m.title}
          data-testid={`mark-${m.kind}`}
          data-frame={m.frame}
        />
      ))}
    </>
  );
});
