// Comment pins on the frame (SVG in video pixels, inside the stage's prompt layer): open
// comments of this frame that have a point, and the point being picked for a new comment.
import type { Comment } from "../../api/review";

export default function CommentPins({ comments, frame, point, r }: { comments: Iterable<Comment>; frame: number; point: [number, number] | null; r: number }) {
  const pins = [...comments].filter((c) => c.frame === frame && c.x !== null && c.y !== null && !c.resolved && c.parent === null);
  const pin = (x: number, y: number, key: string, title: string, pending = false) => (
    <g key={key} transform={`translate(${x} ${y})`} className={`comment-pin ${pending ? "pending" : ""}`} data-testid={pending ? "comment-pin-pending" : "comment-pin"} pointerEvents="none">
      <title>{title}</title>
      <path d={`M0 0 L${-r} ${-1.6 * r} A${r} ${r} 0 1 1 ${r} ${-1.6 * r} Z`} fill={pending ? "#5b8cff" : "#38bdf8"} stroke="#fff" strokeWidth={r / 4} />
      <circle cy={-2 * r} r={r / 2.6} fill="#fff" />
    </g>
  );
  return (
    <g className="comment-pins">
      {pins.map((c) => pin(c.x!, c.y!, String(c.id), `${c.author ?? ""}: ${c.text}`))}
      {point && pin(point[0], point[1], "pending", "The new comment's point", true)}
    </g>
  );
}
