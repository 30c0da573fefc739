// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProtocolClient, type SocketLike } from "../protocol/client";
import { PROTOCOL_VERSION } from "../protocol/messages";
import { ConnectionNotices } from "./Notices";

afterEach(cleanup);

function connected() {
  const socket: SocketLike = {
    readyState: 0,
    send: () => {},
    close: () => {},
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  const client = new ProtocolClient({ url: "ws://test/ws/videos/1/", socketFactory: () => socket });
  client.connect();
  (socket as { readyState: number }).readyState = 1;
  socket.onopen?.({});
  const state = (protocol: number) =>
    act(() =>
      socket.onmessage?.({
        data: JSON.stringify({ type: "session.state", seq: 0, objects: [], users: [], protocol }),
      }),
    );
  const close = (code: number, reason: string) => act(() => socket.onclose?.({ code, reason }));
  return { client, state, close };
}

describe("ConnectionNotices", () => {
  it("asks for a reload, and keeps asking, when the server speaks another protocol version", () => {
    const { client, state } = connected();
    const reload = vi.fn();
    const { rerender } = render(<ConnectionNotices client={client} conn="open" reload={reload} />);
    state(PROTOCOL_VERSION);
    expect(screen.queryByTestId("server-updated")).toBeNull();
    state(PROTOCOL_VERSION + 1);
    expect(screen.getByTestId("server-updated").textContent).toContain("Reload: the server was updated");
    rerender(<ConnectionNotices client={client} conn="reconnecting" reload={reload} />);
    fireEvent.click(screen.getByTestId("reload"));
    expect(reload).toHaveBeenCalledOnce();
    expect(screen.getByTestId("server-updated")).toBeTruthy();
  });

  it("shows the reason the server closed the socket with", () => {
    const { client, close } = connected();
    close(4403, "You were removed from this project.");
    expect(client.state).toBe("failed");
    render(<ConnectionNotices client={client} conn={client.state} />);
    expect(screen.getByTestId("connection-closed").textContent).toContain("You were removed from this project.");
  });

  it("falls back to the fixed table when the reason was dropped on the way", () => {
    const { client, close } = connected();
    close(4404, "");
    render(<ConnectionNotices client={client} conn={client.state} />);
    expect(screen.getByTestId("connection-closed").textContent).toContain(
      "No such video, or you are not a member of its project.",
    );
  });
});
