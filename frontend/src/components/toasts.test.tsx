// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { useEffect, useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { ToastProvider, useScopedToast, useToast } from "./toasts";

afterEach(cleanup);

function Page({ text }: { text: string }) {
  const toast = useScopedToast();
  useEffect(() => toast("error", text), [toast, text]);
  return null;
}

function App() {
  const [open, setOpen] = useState(true);
  const global = useToast();
  useEffect(() => global("info", "kept"), [global]);
  return (
    <>
      <button onClick={() => setOpen(false)}>leave</button>
      {open && <Page text="from the editor" />}
    </>
  );
}

describe("toasts", () => {
  it("a page's scoped toasts go when it unmounts; others stay", () => {
    render(
      <ToastProvider>
        <App />
      </ToastProvider>,
    );
    expect(screen.getByText("from the editor")).toBeTruthy();
    act(() => screen.getByText("leave").click());
    expect(screen.queryByText("from the editor")).toBeNull();
    expect(screen.getByText("kept")).toBeTruthy();
  });
});
