// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

const pending: { resolve: (v: unknown) => void }[] = [];
vi.mock("../../api/client", async (orig) => ({
  ...(await orig<typeof import("../../api/client")>()),
  uploadFile: () => {
    let resolve: (v: unknown) => void = () => {};
    const promise = new Promise((r) => (resolve = r));
    pending.push({ resolve });
    return { promise, abort: () => {} };
  },
}));

import Uploader from "./Uploader";
import VideoGrid from "./VideoGrid";

afterEach(cleanup);

describe("Uploader", () => {
  it("opens the file chooser from the keyboard (Enter and Space)", () => {
    render(<Uploader projectId={1} onUploaded={() => {}} />);
    const input = screen.getByTestId("upload-input") as HTMLInputElement;
    const click = vi.spyOn(input, "click").mockImplementation(() => {});
    const box = screen.getByTestId("dropzone");
    expect(box.tabIndex).toBe(0);
    fireEvent.keyDown(box, { key: "Enter" });
    fireEvent.keyDown(box, { key: " " });
    fireEvent.keyDown(box, { key: "a" });
    expect(click).toHaveBeenCalledTimes(2);
  });

  it("reports the uploads in flight", () => {
    const active = vi.fn();
    render(<Uploader projectId={1} onUploaded={() => {}} onActive={active} />);
    const input = screen.getByTestId("upload-input") as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(["x"], "a.mp4"), new File(["y"], "b.mp4")] } });
    expect(active).toHaveBeenLastCalledWith(2);
  });
});

describe("VideoGrid", () => {
  const grid = (uploading: boolean) =>
    render(
      <MemoryRouter>
        <VideoGrid videos={[]} canManage={false} uploading={uploading} onChange={() => {}} />
      </MemoryRouter>,
    );
  it("says there are no videos only when nothing is being uploaded", () => {
    grid(false);
    expect(screen.queryByText("No videos yet")).toBeTruthy();
    cleanup();
    grid(true);
    expect(screen.queryByText("No videos yet")).toBeNull();
  });
});
