// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { guessFormat, worstFrames, type EvalResult, type Evaluation, type ImportJob } from "../../api/evaluate";
import EvaluatePanel, { annotationSets } from "./EvaluatePanel";
import ImportPanel, { ImportReport } from "./ImportPanel";
import JfPlot, { xTicks } from "./JfPlot";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const importJob = (over: Partial<ImportJob> = {}): ImportJob => ({
  id: 7, format: "davis", status: "done", progress: 100, error: "", video: 1, filename: "gt.zip",
  created_at: "", finished_at: "",
  result: { objects: 2, masks: 90, frames: 45, object_ids: [10, 11], warnings: [] },
  ...over,
});

const RESULT: EvalResult = {
  protocol: "semi-supervised",
  pairing: "hungarian",
  overall: { J: { mean: 0.8, recall: 0.9, decay: 0.1 }, F: { mean: 0.7, recall: 0.8, decay: 0.05 }, JF: 0.75, frames: 4, objects: 2, bound_pixels: 3 },
  objects: [
    { reference_id: 10, candidate_id: 1, J: { mean: 0.9, recall: 1, decay: 0 }, F: { mean: 0.8, recall: 1, decay: 0 }, JF: 0.85, frames_jf: [0.9, 0.9, 0.8, 0.8] },
    { reference_id: 11, candidate_id: null, J: { mean: 0.7, recall: 0.5, decay: 0.2 }, F: { mean: 0.6, recall: 0.5, decay: 0.1 }, JF: 0.65, frames_jf: [0.9, 0.1, 0.7, 0.9] },
  ],
  frames: [
    { frame: 1, J: 0.9, F: 0.9, JF: 0.9 },
    { frame: 2, J: 0.6, F: 0.4, JF: 0.5 },
    { frame: 3, J: 0.8, F: 0.7, JF: 0.75 },
    { frame: 4, J: 0.85, F: 0.85, JF: 0.85 },
  ],
  unmatched_candidates: [],
};

describe("helpers", () => {
  it("guesses the import format from the file name", () => {
    expect(guessFormat("vtest_davis_3.zip")).toBe("davis");
    expect(guessFormat("annotations.xml")).toBe("cvat");
    expect(guessFormat("clip_manual.json")).toBe("sav");
    expect(guessFormat("masks.zip")).toBeNull();
  });
  it("orders the worst frames first", () => {
    expect(worstFrames(RESULT.frames, 2).map((f) => f.frame)).toEqual([2, 3]);
  });
  it("puts x ticks on round numbers inside the range", () => {
    expect(xTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(xTicks(1, 46)).toEqual([10, 20, 30, 40]);
  });
  it("offers imports, the current non-imported masks and members as sets", () => {
    const sets = annotationSets(
      [importJob(), importJob({ id: 8, status: "failed", result: {} })],
      [{ id: 1, name: "a", color: "#f00" }, { id: 10, name: "gt 1", color: "#0f0" }],
      [{ user_id: 1, username: "bob", role: "annotator" }],
    );
    expect(sets.map((s) => s.key)).toEqual(["import:7", "current", "user:bob"]);
    expect(sets[1].selector).toEqual({ objects: [1] });
  });
});

describe("ImportReport", () => {
  it("shows counts and every skipped item with its reason", () => {
    render(<ImportReport job={importJob({ result: { objects: 2, masks: 90, frames: 45, object_ids: [], warnings: ["category 'cat' is not a label of this project; its objects were imported without a label"] } })} numFrames={48} />);
    expect(screen.getByTestId("import-objects").textContent).toBe("2");
    expect(screen.getByTestId("import-frames").textContent).toBe("45");
    expect(screen.getByText(/of 48 frames/)).toBeTruthy();
    expect(screen.getByTestId("import-warnings").textContent).toContain("'cat' is not a label");
  });
  it("says a failed import wrote nothing, and why", () => {
    render(<ImportReport job={importJob({ status: "failed", error: "frame 99 is past the end", result: {} })} numFrames={48} />);
    expect(screen.getByTestId("import-report").textContent).toContain("nothing was written");
    expect(screen.getByTestId("import-report").textContent).toContain("frame 99 is past the end");
  });
});

describe("JfPlot", () => {
  it("marks the given frames and picks the nearest frame on click", () => {
    const pick = vi.fn();
    render(<JfPlot frames={RESULT.frames} marked={[{ frame: 2, JF: 0.1 }]} onPick={pick} />);
    const svg = screen.getByTestId("jf-plot");
    expect(svg.querySelectorAll("circle.jf-bad")).toHaveLength(1);
    const dot = svg.querySelector("circle.jf-bad");
    expect(dot?.getAttribute("data-frame")).toBe("2");
    // Drawn at the given value (0.1 is low in the plot), not at the mean's 0.5.
    expect(Number(dot?.getAttribute("cy"))).toBeGreaterThan(130);
    svg.getBoundingClientRect = () => ({ left: 0, width: 640, top: 0, height: 170, right: 640, bottom: 170, x: 0, y: 0, toJSON: () => {} });
    fireEvent.click(svg, { clientX: 630 });
    expect(pick).toHaveBeenCalledWith(4);
  });
});

function stubApi(evaluation: Evaluation) {
  const posted: unknown[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const body = (x: unknown) => new Response(JSON.stringify(x), { status: init?.method === "POST" ? 201 : 200 });
    if (url.includes("/members/")) return body([{ user_id: 2, username: "bob", role: "annotator" }]);
    if (url.endsWith("/evaluations/") && init?.method === "POST") {
      posted.push(JSON.parse(String(init.body)));
      return body(evaluation);
    }
    if (url.endsWith("/evaluations/")) return body([]);
    return new Response("{}", { status: 404 });
  }));
  return posted;
}

describe("EvaluatePanel", () => {
  const objects = [
    { id: 1, name: "my disc", color: "#ff0000" },
    { id: 10, name: "gt disc", color: "#00ff00" },
    { id: 11, name: "gt box", color: "#0000ff" },
  ];
  const done: Evaluation = {
    id: 3, video: 1, status: "done", progress: 100, error: "", reference: { import: 7 }, candidate: { objects: [1] },
    options: {}, j_mean: 0.8, f_mean: 0.7, jf_mean: 0.75, result: RESULT, created_at: "", finished_at: "",
  };

  it("posts the picked sets and protocol, then shows per-object and per-frame J&F with links to bad frames", async () => {
    const posted = stubApi(done);
    const open = vi.fn();
    render(<EvaluatePanel videoId={1} projectId={2} objects={objects} imports={[importJob()]} canEvaluate onOpenFrame={open} />);
    await waitFor(() => expect((screen.getByTestId("eval-reference") as HTMLSelectElement).value).toBe("import:7"));
    expect((screen.getByTestId("eval-candidate") as HTMLSelectElement).value).toBe("current");
    fireEvent.click(screen.getByTestId("protocol-all-frames"));
    fireEvent.click(screen.getByTestId("eval-run"));
    await screen.findByTestId("eval-result");
    expect(posted[0]).toEqual({ reference: { import: 7 }, candidate: { objects: [1] }, protocol: "all-frames", annotated_only: false });
    expect(screen.getByTestId("eval-jf").textContent).toBe("75.0");
    const rows = screen.getAllByTestId("eval-object-row");
    expect(rows[0].textContent).toContain("gt disc");
    expect(rows[1].textContent).toContain("no match");
    // The mean's worst frame first; its link is a real deep link and opens the frame.
    const bad = screen.getAllByTestId("bad-frame");
    expect(bad[0].getAttribute("href")).toBe("/videos/1?frame=2");
    fireEvent.click(bad[0]);
    expect(open).toHaveBeenCalledWith(2, undefined);
    // Picking an object draws its line and ranks that object's frames.
    fireEvent.click(rows[1]);
    expect(screen.getByTestId("jf-object-line")).toBeTruthy();
    expect(screen.getAllByTestId("bad-frame")[0].getAttribute("data-frame")).toBe("2");
    fireEvent.click(rows[0]);
    expect(screen.getAllByTestId("bad-frame")[0].getAttribute("data-frame")).toBe("3");
    // Every frame is listed too, with the picked object's column; a row opens its frame.
    const table = screen.getByTestId("eval-frames");
    expect(table.querySelectorAll("tbody tr")).toHaveLength(4);
    expect(table.querySelector("thead")?.textContent).toContain("gt disc");
    fireEvent.click(table.querySelectorAll("tbody tr")[3]);
    expect(open).toHaveBeenLastCalledWith(4, 1);
  });

  it("refuses to compare a set with itself and says so", async () => {
    stubApi(done);
    render(<EvaluatePanel videoId={1} projectId={2} objects={objects} imports={[importJob()]} canEvaluate onOpenFrame={() => {}} />);
    await waitFor(() => expect((screen.getByTestId("eval-reference") as HTMLSelectElement).value).toBe("import:7"));
    fireEvent.change(screen.getByTestId("eval-candidate"), { target: { value: "import:7" } });
    expect((screen.getByTestId("eval-run") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Pick two different sets/)).toBeTruthy();
  });
});

describe("EvaluatePanel with a perfect candidate", () => {
  it("lists no bad frames when every frame is perfect", async () => {
    const perfect: EvalResult = {
      ...RESULT,
      objects: [{ ...RESULT.objects[0], JF: 1, frames_jf: [1, 1, 1, 1] }],
      frames: RESULT.frames.map((f) => ({ ...f, J: 1, F: 1, JF: 1 })),
    };
    stubApi({
      id: 4, video: 1, status: "done", progress: 100, error: "", reference: { import: 7 }, candidate: { objects: [1] },
      options: {}, j_mean: 1, f_mean: 1, jf_mean: 1, result: perfect, created_at: "", finished_at: "",
    });
    render(<EvaluatePanel videoId={1} projectId={2} objects={[{ id: 1, name: "a", color: "#f00" }]} imports={[importJob()]} canEvaluate onOpenFrame={() => {}} />);
    await waitFor(() => expect((screen.getByTestId("eval-candidate") as HTMLSelectElement).value).toBe("current"));
    fireEvent.click(screen.getByTestId("eval-run"));
    await screen.findByTestId("eval-result");
    expect(screen.queryAllByTestId("bad-frame")).toHaveLength(0);
    expect(screen.getByText(/none below 99.9/)).toBeTruthy();
    expect(screen.getByTestId("jf-plot").querySelectorAll("circle.jf-bad")).toHaveLength(0);
  });
});

describe("ImportPanel", () => {
  it("takes a dropped file and guesses its format from the name", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("[]")));
    render(<ImportPanel videoId={1} numFrames={10} canAnnotate />);
    const file = new File(["<annotations/>"], "task_cvat_export.zip", { type: "application/zip" });
    fireEvent.drop(screen.getByTestId("import-panel"), { dataTransfer: { files: [file] } });
    expect(screen.getByText("task_cvat_export.zip")).toBeTruthy();
    expect((screen.getByTestId("import-format") as HTMLSelectElement).value).toBe("cvat");
    expect((screen.getByTestId("import-start") as HTMLButtonElement).disabled).toBe(false);
  });
  it("says a viewer cannot import", () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("[]")));
    render(<ImportPanel videoId={1} numFrames={10} canAnnotate={false} />);
    expect(screen.queryByTestId("import-start")).toBeNull();
    expect(screen.getByText(/cannot import/)).toBeTruthy();
  });
});
