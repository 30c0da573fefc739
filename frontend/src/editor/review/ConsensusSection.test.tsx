// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { annotators, consensusUrl, defaultPair, livePairs, pickBody, type Consensus } from "../../api/consensus";
import ConsensusSection from "./ConsensusSection";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const MEMBERS = [
  { user_id: 1, username: "olga", role: "owner" },
  { user_id: 2, username: "ann", role: "annotator" },
  { user_id: 3, username: "rita", role: "reviewer" },
  { user_id: 4, username: "bo", role: "annotator" },
] as const;

const frames = (vals: number[]) => vals.map((v, i) => ({ frame: i, J: v, F: v, JF: v }));
const RESULT: Consensus = {
  a: "ann", b: "bo", protocol: "all-frames", frames: 4, bound_pixels: 1,
  pairs: [
    { a_id: 11, b_id: 21, J: 0.5, F: 0.6, JF: 0.55, frames: frames([0.9, 0.2, 0.5, 0.6]) },
    { a_id: 10, b_id: 20, J: 1, F: 1, JF: 1, frames: frames([1, 1, 1, 1]) },
  ],
  unmatched_a: [], unmatched_b: [22],
};

describe("consensus helpers", () => {
  it("offers members who may annotate, plus whoever is assigned", () => {
    expect(annotators([...MEMBERS])).toEqual(["olga", "ann", "bo"]);
    expect(annotators([...MEMBERS], ["rita", null, "ann"])).toEqual(["olga", "ann", "bo", "rita"]);
  });
  it("defaults to the assignee and the second assignee, else the first two", () => {
    const people = ["olga", "ann", "bo"];
    expect(defaultPair(people, "ann", "bo")).toEqual(["ann", "bo"]);
    expect(defaultPair(people, "ann", null)).toEqual(["ann", "olga"]);
    expect(defaultPair(people, null, null)).toEqual(["olga", "ann"]);
    expect(defaultPair(people, "ann", "ann")).toEqual(["ann", "olga"]);
    expect(defaultPair([], null, null)).toEqual(["", ""]);
  });
  it("builds the url and the pick body, and hides decided pairs", () => {
    expect(consensusUrl(3, "a b", "c")).toBe("/api/videos/3/consensus/?a=a+b&b=c");
    expect(pickBody(RESULT.pairs[0], "a")).toEqual({ keep: 11, drop: 21 });
    expect(pickBody(RESULT.pairs[0], "b")).toEqual({ keep: 21, drop: 11 });
    expect(livePairs(RESULT.pairs, new Set([10, 20, 11]))).toEqual([RESULT.pairs[1]]);
  });
});

function stub() {
  const picks: unknown[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const json = (x: unknown) => new Response(JSON.stringify(x), { status: 200 });
    if (url.endsWith("/members/")) return json(MEMBERS);
    if (url.includes("/consensus/pick/")) {
      picks.push(JSON.parse(String(init?.body)));
      return json({ kept: {}, dropped: {}, comment: {} });
    }
    if (url.includes("/consensus/")) return json(RESULT);
    if (url.endsWith("/videos/5/")) return json({ id: 5, project: 9, assignee: "ann", second_assignee: "bo" });
    return new Response("{}", { status: 404 });
  }));
  return picks;
}

const OBJECTS = [10, 11, 20, 21, 22].map((id) => ({ id, name: `m${id}`, color: "#fff", label: null, review_status: "draft", seq: 1 }));

function section(canPick = true) {
  const props = { videoId: 5, objects: OBJECTS as never, canPick, onSeek: vi.fn(), onSelect: vi.fn(), toast: vi.fn() };
  render(<ConsensusSection {...props} />);
  const details = screen.getByTestId("consensus") as HTMLDetailsElement;
  details.open = true;
  fireEvent(details, new Event("toggle"));
  return props;
}

describe("ConsensusSection", () => {
  it("compares the assigned pair, worst first, opens a pair's frames and keeps A", async () => {
    const picks = stub();
    const props = section();
    await waitFor(() => expect((screen.getByTestId("consensus-b") as HTMLSelectElement).value).toBe("bo"));
    expect((screen.getByTestId("consensus-a") as HTMLSelectElement).value).toBe("ann");
    fireEvent.click(screen.getByTestId("consensus-run"));
    await waitFor(() => expect(screen.getAllByTestId("consensus-pair")).toHaveLength(2));
    expect(screen.getAllByTestId("consensus-jf").map((e) => e.textContent)).toEqual(["55.0", "100.0"]);
    expect(screen.getByTestId("consensus-unmatched").textContent).toContain("m22");
    fireEvent.click(screen.getAllByTestId("consensus-pair")[0]);
    expect(props.onSelect).toHaveBeenCalledWith(11);
    expect(screen.getByTestId("consensus-frames").textContent).toContain("J&F of this pair");
    expect(screen.getByTestId("jf-plot")).toBeTruthy();
    fireEvent.click(screen.getAllByTestId("keep-a")[0]);
    await waitFor(() => expect(picks).toEqual([{ keep: 11, drop: 21 }]));
    await waitFor(() => expect(props.toast).toHaveBeenCalledWith("success", expect.stringContaining("Kept m11")));
  });

  it("shows no keep buttons without the right to pick", async () => {
    stub();
    section(false);
    await waitFor(() => expect((screen.getByTestId("consensus-b") as HTMLSelectElement).value).toBe("bo"));
    fireEvent.click(screen.getByTestId("consensus-run"));
    await waitFor(() => expect(screen.getAllByTestId("consensus-pair")).toHaveLength(2));
    expect(screen.queryByTestId("keep-a")).toBeNull();
  });
});
