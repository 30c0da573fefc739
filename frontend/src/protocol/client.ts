// The realtime sync client: a plain class behind a socket interface, no React, no DOM.
// It tracks the last applied seq, reconnects with backoff, asks for `sync {since_seq}`
// after a reconnect, and pairs `req` ids with `ack`/`error` replies.

import { CLOSE_REASONS, type ClientMessage, type ErrorMessage, type ServerMessage } from "./messages";
import { isChange } from "./wire";

/** The part of the browser WebSocket we use; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState =
  | "connecting"
  | "open" // connected; may still be syncing
  | "syncing"
  | "reconnecting"
  | "closed" // closed by us
  | "failed"; // closed by the server for good (4xxx)

export interface ClientOptions {
  url: string;
  socketFactory?: SocketFactory;
  /** First retry delay; doubles up to maxDelayMs, with ±20 % jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  pingIntervalMs?: number;
  random?: () => number;
}

export class RequestError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

interface Pending {
  resolve: (ack: { seq: number | null }) => void;
  reject: (err: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Listener<T> = (value: T) => void;

const OPEN = 1;

/** Close codes 4000-4999 are the server's "do not come back" answers (auth, not found). */
function isFatal(code: number): boolean {
  return code >= 4000 && code < 5000;
}

export class ProtocolClient {
  state: ConnectionState = "connecting";
  /** Highest change seq applied; sent as `since_seq` after a reconnect. */
  lastSeq = 0;
  /** Why the server closed us for good, when state is "failed": its close code and reason. */
  failure: { code: number; reason: string } | null = null;

  private socket: SocketLike | null = null;
  private readonly opts: Required<Omit<ClientOptions, "socketFactory">> & {
    socketFactory: SocketFactory;
  };
  private attempts = 0;
  private everConnected = false;
  private haveSnapshot = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private awaitingPong = false;
  private reqCounter = 0;
  private pending = new Map<string, Pending>();
  private messageListeners = new Set<Listener<ServerMessage>>();
  private stateListeners = new Set<Listener<ConnectionState>>();
  private stopped = false;

  constructor(options: ClientOptions) {
    this.opts = {
      baseDelayMs: 500,
      maxDelayMs: 10_000,
      requestTimeoutMs: 30_000,
      pingIntervalMs: 25_000,
      random: Math.random,
      socketFactory: (url: string) => new WebSocket(url) as unknown as SocketLike,
      ...options,
    } as ProtocolClient["opts"];
  }

  connect(): void {
    this.stopped = false;
    this.open();
  }

  /** Close for good: no reconnect, pending requests fail. */
  close(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close(1000, "client closed");
    }
    this.failPending("closed", "Connection closed.");
    this.setState("closed");
  }

  onMessage(fn: Listener<ServerMessage>): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
  }

  onState(fn: Listener<ConnectionState>): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN && (this.state === "open" || this.state === "syncing");
  }

  /** Fire and forget (presence, ping). Dropped while disconnected: these are not durable. */
  send(msg: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  /**
   * Send with a fresh `req` id and resolve on the matching `ack`, reject on `error`.
   * Edits are never queued across a disconnect: replaying them blind could apply
   * them twice, so the caller hears "disconnected" and the user can retry.
   */
  request(msg: ClientMessage): Promise<{ seq: number | null; req: string }> {
    const req = `r${++this.reqCounter}`;
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== OPEN) {
        reject(new RequestError("disconnected", "Not connected to the server; try again."));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new RequestError("timeout", "The server did not answer in time."));
      }, this.opts.requestTimeoutMs);
      this.pending.set(req, {
        resolve: (ack) => resolve({ ...ack, req }),
        reject,
        timer,
      });
      this.socket.send(JSON.stringify({ ...msg, req }));
    });
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  // ---- internals ----------------------------------------------------------------
  private open(): void {
    if (this.stopped) return;
    this.setState(this.everConnected ? "reconnecting" : "connecting");
    let socket: SocketLike;
    try {
      socket = this.opts.socketFactory(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.handleOpen(socket);
    socket.onmessage = (ev) => this.handleRaw(socket, ev.data);
    socket.onclose = (ev) => this.handleClose(socket, ev.code, ev.reason);
    socket.onerror = () => {
      /* onclose follows and decides */
    };
  }

  private handleOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.attempts = 0;
    this.awaitingPong = false;
    if (this.everConnected && this.haveSnapshot) {
      // Replay what we missed; the server answers with the changes, then sync.done.
      this.setState("syncing");
      socket.send(JSON.stringify({ type: "sync", since_seq: this.lastSeq }));
    } else {
      this.setState("open");
    }
    this.everConnected = true;
    this.startPing();
  }

  private handleRaw(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
    this.track(msg);
    for (const fn of [...this.messageListeners]) fn(msg);
  }

  private track(msg: ServerMessage): void {
    switch (msg.type) {
      case "session.state":
        // The first snapshot sets the baseline. After a reconnect the snapshot's seq is
        // ahead of the replay we asked for, so only sync.done may move lastSeq then.
        if (!this.haveSnapshot) {
          this.lastSeq = Math.max(this.lastSeq, msg.seq ?? 0);
          this.haveSnapshot = true;
        }
        break;
      case "sync.done":
        this.lastSeq = Math.max(this.lastSeq, msg.seq ?? 0);
        if (this.state === "syncing") this.setState("open");
        break;
      case "ack": {
        const p = this.pending.get(String(msg.req));
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(String(msg.req));
          p.resolve({ seq: msg.seq ?? null });
        }
        break;
      }
      case "error": {
        const err = msg as ErrorMessage;
        if (err.req !== undefined && err.req !== null) {
          const p = this.pending.get(String(err.req));
          if (p) {
            clearTimeout(p.timer);
            this.pending.delete(String(err.req));
            p.reject(new RequestError(err.code, err.message));
          }
        }
        break;
      }
      case "pong":
        this.awaitingPong = false;
        break;
      default:
        if (isChange(msg) && typeof msg.seq === "number") {
          this.lastSeq = Math.max(this.lastSeq, msg.seq);
        }
    }
  }

  private handleClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.stopPing();
    this.failPending("disconnected", "Connection lost before the server answered.");
    if (this.stopped) return;
    if (isFatal(code)) {
      // The server sends its code's reason (CLOSE_REASONS); the table covers a proxy that drops it.
      this.failure = { code, reason: reason || CLOSE_REASONS[code] || `closed with ${code}` };
      this.setState("failed");
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setState("reconnecting");
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** this.attempts);
    const jitter = 0.8 + 0.4 * this.opts.random();
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, Math.round(exp * jitter));
  }

  /** Skip the backoff wait (the "Reconnect now" button). */
  reconnectNow(): void {
    if (this.stopped || this.state === "open" || this.state === "syncing") return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempts = 0;
    this.failure = null;
    this.open();
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      const s = this.socket;
      if (!s || s.readyState !== OPEN) return;
      if (this.awaitingPong) {
        // No pong for a whole interval: the link is dead even if the socket says open.
        // A dead link may take minutes to fire onclose, so treat it as closed now.
        s.onclose = null;
        s.onmessage = null;
        s.close(3000, "ping timeout");
        this.handleClose(s, 3000, "ping timeout");
        return;
      }
      this.awaitingPong = true;
      s.send(JSON.stringify({ type: "ping" }));
    }, this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    this.stopPing();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private failPending(code: string, message: string): void {
    for (const [req, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError(code, message));
      this.pending.delete(req);
    }
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const fn of [...this.stateListeners]) fn(s);
  }
}
