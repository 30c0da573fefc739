// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Comment } from "../../api/review";
import type { ObjectOut } from "../../protocol/messages";
import ReviewPanel, { type ReviewPanelProps } from "./ReviewPanel";
import StageBar from "./StageBar";
import { ReviewState } from "./reviewState";

afterEach(cleanup);

const obj: ObjectOut = { id: 7, name: "disc 1", label: null, color: "#e6194b", review_status: "submitted", seq: 1 } as ObjectOut;
const comment = (id: number, extra: Partial<Comment> = {}): Comment => ({
  id, frame: 3, object_id: 7, parent: null, text: `note ${id}`, x: null, y: null, resolved: false,
  decision: "", author: "rita", created_at: "2026-01-01T00:00:00Z", ...extra,
});

function panel(over: Partial<ReviewPanelProps> = {}) {
  const review = new ReviewState({ assignee: "ann", reviewer: "rita", stage: "review" });
  review.loadComments([comment(1, { decision: "rejected" }), comment(2, { parent: 1, author: "ann", text: "fixed" }), comment(3, { resolved: true })]);
  const props: ReviewPanelProps = {
    videoId: 1, review, reviewVersion: review.version, frame: 3, objects: [obj], selected: 7,
    canComment: true, canReview: true, frameFlags: [{ frame: 3, score: 0.8, reasons: ["vanished"], objects: [7] }],
    queue: [{ frame: 3, why: ["flagged"] }], reviewMode: false, setReviewMode: vi.fn(), commentMode: false,
    setCommentMode: vi.fn(), point: null, clearPoint: vi.fn(), onSeek: vi.fn(), onSelect: vi.fn(),
    stepFlag: vi.fn(), stepQueue: vi.fn(), toast: vi.fn(), ...over,
  };
  render(<ReviewPanel {...props} />);
  return props;
}

describe("ReviewPanel", () => {
  it("threads replies, hides resolved threads, shows this frame's flag and the decision", () => {
    panel();
    const threads = screen.getAllByTestId("comment-thread");
    expect(threads).toHaveLength(1);
    expect(threads[0].textContent).toContain("rejected");
    expect(screen.getByTestId("comment-reply").textContent).toContain("fixed");
    expect(screen.getByTestId("flag-here").textContent).toContain("mask vanishes");
    expect(screen.getByTestId("review-counts").textContent).toBe("1 flagged · 1 open");
    fireEvent.click(screen.getByText("Show resolved"));
    expect(screen.getAllByTestId("comment-thread")).toHaveLength(2);
  });

  it("needs a comment to reject; an annotator gets no accept/reject; a viewer cannot comment", () => {
    panel();
    expect((screen.getByTestId("reject") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("decision-comment"), { target: { value: "leaks" } });
    expect((screen.getByTestId("reject") as HTMLButtonElement).disabled).toBe(false);
    cleanup();
    panel({ canReview: false });
    expect(screen.queryByTestId("review-decision")).toBeNull();
    expect(screen.getByTestId("comment-text")).toBeTruthy();
    cleanup();
    panel({ canReview: false, canComment: false });
    expect(screen.queryByTestId("comment-text")).toBeNull();
    expect(screen.queryByTestId("resolve")).toBeNull();
  });

  it("F steps through flags from the button", () => {
    const p = panel();
    fireEvent.click(screen.getByTestId("next-flag"));
    expect(p.stepFlag).toHaveBeenCalledWith(1);
  });
});

describe("StageBar", () => {
  it("offers the assignee Submit and the reviewer Send back (with a reason) and Done", () => {
    render(<StageBar videoId={1} workflow={{ assignee: "ann", reviewer: "rita", stage: "annotate", reason: "redo frame 3" }} me="ann" manage={false} toast={vi.fn()} />);
    expect(screen.getByTestId("submit-review")).toBeTruthy();
    expect(screen.getByTestId("sent-back-reason").textContent).toContain("redo frame 3");
    cleanup();
    render(<StageBar videoId={1} workflow={{ assignee: "ann", reviewer: "rita", stage: "review" }} me="rita" manage={false} toast={vi.fn()} />);
    expect(screen.queryByTestId("submit-review")).toBeNull();
    fireEvent.click(screen.getByTestId("send-back"));
    expect((screen.getByTestId("send-back-confirm") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("send-back-reason"), { target: { value: "see comments" } });
    expect((screen.getByTestId("send-back-confirm") as HTMLButtonElement).disabled).toBe(false);
  });
});
