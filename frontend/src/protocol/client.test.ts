import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProtocolClient, RequestError, type SocketLike } from "./client";
import type { ServerMessage } from "./messages";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(public url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // test helpers
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverClose(code = 1006, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

function setup(opts: Partial<ConstructorParameters<typeof ProtocolClient>[0]> = {}) {
  const sockets: FakeSocket[] = [];
  const client = new ProtocolClient({
    url: "ws://test/ws/videos/1/",
    socketFactory: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 0.5, // jitter factor exactly 1.0
    ...opts,
  });
  const received: ServerMessage[] = [];
  const states: string[] = [];
  client.onMessage((m) => received.push(m));
  client.onState((s) => states.push(s));
  client.connect();
  return { client, sockets, received, states, last: () => sockets[sockets.length - 1] };
}

const state = (seq: number) => ({ type: "session.state", seq, objects: [], users: [] });
const masks = (seq: number, frame = 0) => ({
  type: "masks",
  seq,
  frame,
  source: "prompt",
  by: "alice",
  masks: [],
});

describe("ProtocolClient", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("tracks the highest change seq from the snapshot and from change messages", () => {
    const { client, last } = setup();
    last().serverOpen();
    last().serverSend(state(5));
    expect(client.lastSeq).toBe(5);
    last().serverSend(masks(9));
    last().serverSend({ type: "object.created", seq: 7, by: "a", object: { id: 1 } });
    expect(client.lastSeq).toBe(9);
  });

  it("does not advance lastSeq from an ack, whose change may not have arrived yet", async () => {
    const { client, last } = setup();
    last().serverOpen();
    last().serverSend(state(3));
    const p = client.request({ type: "ping" });
    const req = last().sent[0].req;
    last().serverSend({ type: "ack", req, seq: 40 });
    await expect(p).resolves.toMatchObject({ seq: 40, req });
    expect(client.lastSeq).toBe(3);
  });

  it("reconnects with exponential backoff and sends sync since the last seq", () => {
    const { client, sockets, states } = setup({ baseDelayMs: 100, maxDelayMs: 1000 });
    sockets[0].serverOpen();
    sockets[0].serverSend(state(4));
    sockets[0].serverSend(masks(6));
    sockets[0].serverClose(1006);
    expect(client.state).toBe("reconnecting");

    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1].serverClose(1006); // the first retry fails: next delay doubles
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    sockets[2].serverOpen();
    expect(client.state).toBe("syncing");
    expect(sockets[2].sent[0]).toEqual({ type: "sync", since_seq: 6 });
    // The new snapshot's seq is ahead of the replay, so it must not move lastSeq.
    sockets[2].serverSend(state(12));
    expect(client.lastSeq).toBe(6);
    sockets[2].serverSend(masks(8));
    sockets[2].serverSend({ type: "sync.done", seq: 12 });
    expect(client.lastSeq).toBe(12);
    expect(client.state).toBe("open");
    expect(states).toEqual(["open", "reconnecting", "syncing", "open"]);
  });

  it("caps the backoff delay at maxDelayMs", () => {
    const { sockets } = setup({ baseDelayMs: 100, maxDelayMs: 300 });
    for (let i = 0; i < 5; i++) {
      sockets[sockets.length - 1].serverClose(1006);
      vi.advanceTimersByTime(300);
    }
    expect(sockets).toHaveLength(6);
  });

  it("resets the backoff after a successful connection", () => {
    const { sockets } = setup({ baseDelayMs: 100, maxDelayMs: 10_000 });
    sockets[0].serverClose(1006);
    vi.advanceTimersByTime(100);
    sockets[1].serverClose(1006);
    vi.advanceTimersByTime(200);
    sockets[2].serverOpen();
    sockets[2].serverClose(1006);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it("stops for good on a 4xxx close code and reports why", () => {
    const { client, sockets } = setup({ baseDelayMs: 10 });
    sockets[0].serverClose(4403, "forbidden");
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe("failed");
    expect(client.failure).toEqual({ code: 4403, reason: "forbidden" });
  });

  it("does not sync on the very first connection", () => {
    const { sockets } = setup();
    sockets[0].serverOpen();
    expect(sockets[0].sent).toEqual([]);
  });

  it("pairs requests with acks and errors by req id", async () => {
    const { client, last } = setup();
    last().serverOpen();
    const a = client.request({ type: "object.create", name: "car" });
    const b = client.request({ type: "object.delete", object_id: 3 });
    const [ra, rb] = last().sent.map((m) => m.req as string);
    expect(ra).not.toBe(rb);
    last().serverSend({ type: "error", req: rb, code: "forbidden", message: "no" });
    last().serverSend({ type: "ack", req: ra, seq: 11 });
    await expect(a).resolves.toMatchObject({ seq: 11 });
    await expect(b).rejects.toMatchObject({ code: "forbidden", message: "no" });
    expect(client.pendingCount).toBe(0);
  });

  it("rejects pending requests when the connection drops instead of replaying them", async () => {
    const { client, last } = setup();
    last().serverOpen();
    const p = client.request({ type: "propagate.start", direction: "forward" });
    last().serverClose(1006);
    await expect(p).rejects.toBeInstanceOf(RequestError);
    await expect(p).rejects.toMatchObject({ code: "disconnected" });
    await expect(client.request({ type: "ping" })).rejects.toMatchObject({
      code: "disconnected",
    });
  });

  it("times out a request the server never answers", async () => {
    const { client, last } = setup({ requestTimeoutMs: 1000 });
    last().serverOpen();
    const p = client.request({ type: "ping" });
    vi.advanceTimersByTime(1001);
    await expect(p).rejects.toMatchObject({ code: "timeout" });
  });

  it("treats a missing pong as a dead link and reconnects", () => {
    const { sockets } = setup({ pingIntervalMs: 1000, baseDelayMs: 50 });
    sockets[0].serverOpen();
    vi.advanceTimersByTime(1000);
    expect(sockets[0].sent).toEqual([{ type: "ping" }]);
    vi.advanceTimersByTime(1000); // no pong arrived
    expect(sockets[0].closedWith).toBe(3000);
    vi.advanceTimersByTime(50);
    expect(sockets).toHaveLength(2);
  });

  it("keeps the link when pongs arrive", () => {
    const { sockets } = setup({ pingIntervalMs: 1000 });
    sockets[0].serverOpen();
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1000);
      sockets[0].serverSend({ type: "pong" });
    }
    expect(sockets[0].closedWith).toBeNull();
    expect(sockets).toHaveLength(1);
  });

  it("close() stops reconnecting and ignores late events", () => {
    const { client, sockets, received } = setup({ baseDelayMs: 10 });
    sockets[0].serverOpen();
    client.close();
    sockets[0].serverSend(masks(3));
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(1);
    expect(received).toEqual([]);
    expect(client.state).toBe("closed");
  });

  it("ignores frames that are not JSON objects with a type", () => {
    const { last, received } = setup();
    last().serverOpen();
    last().onmessage?.({ data: "not json" });
    last().onmessage?.({ data: "42" });
    last().serverSend({ type: "pong" });
    expect(received.map((m) => m.type)).toEqual(["pong"]);
  });
});
