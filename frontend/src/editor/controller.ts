// What the editor does, independent of React: turns user intents (click, box, undo, new
// object, propagate) into protocol messages, and feeds server messages into the store.

import { RequestError, ProtocolClient, type ConnectionState } from "../protocol/client";
import type { ClientMessage, ServerMessage } from "../protocol/messages";
import type { Direction } from "../protocol/wire";
import type { Rle } from "../protocol/messages";
import { PALETTE } from "../api/projectRules";
import { encodeRle } from "../rle/rle";
import { EditorStore, type FramePrompt } from "./store";

export interface ControllerOptions {
  videoId: number;
  width: number;
  height: number;
  numFrames: number;
  client: ProtocolClient;
  store?: EditorStore;
  onError?: (message: string) => void;
}


/** The first palette colour no live object uses (cycling once all are taken). */
export function nextColor(used: string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return PALETTE.find((c) => !taken.has(c)) ?? PALETTE[used.length % PALETTE.length];
}

/** One hand edit (stroke, polygon, fill, specks), remembered so undo can put back what was
 *  there: the frame's clicks when it had some (SAM 2 re-derives the mask), else its mask. */
interface HandEdit {
  objectId: number;
  frame: number;
  /** The seq of the state this entry restores from: the edit's prompt, later the undo's. */
  seq: number;
  prevRle: Rle | null;
  prevPrompt: FramePrompt | undefined;
  /** The edit's own mask, re-sent by a redo. */
  rle: Rle;
}

/** What an undo took back, so redo can re-send it: the frame's clicks and box before the
 *  undo (`prompt`) or a hand edit's mask (`rle`). Valid while nobody prompted the object on
 *  that frame after the undo (`seq`). */
interface RedoEntry {
  objectId: number;
  frame: number;
  seq: number;
  prompt?: FramePrompt;
  rle?: Rle;
}

interface PendingClick {
  frame: number;
  points: [number, number][];
  labels: (0 | 1)[];
  box: [number, number, number, number] | null;
}

export class EditorController {
  readonly store: EditorStore;
  readonly client: ProtocolClient;
  connection: ConnectionState;
  selected: number | null = null;
  /** Objects this tab asked for, so their creation selects them. */
  private awaitingCreate: PendingClick[] | null = null;
  private listeners = new Set<() => void>();
  private pendingMark: { name: string; seq: number; frame: number } | null = null;
  private unsubs: (() => void)[] = [];
  private handEdits: HandEdit[] = [];
  private redos: RedoEntry[] = [];
  /** Objects seen in each user's running propagation (masks with source "propagation"). */
  private propagating = new Map<string, Set<number>>();

  constructor(private opts: ControllerOptions) {
    this.store = opts.store ?? new EditorStore();
    this.client = opts.client;
    this.connection = this.client.state;
    this.unsubs.push(this.client.onMessage((m) => this.handle(m)));
    this.unsubs.push(
      this.client.onState((s) => {
        this.connection = s;
        this.notify();
      }),
    );
  }

  dispose(): void {
    for (const u of this.unsubs) u();
    this.client.close();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** The mark of the masks message being applied, if it is for `frame` (once). */
  takePendingMark(frame: number): { name: string; seq: number } | null {
    const m = this.pendingMark;
    if (!m || m.frame !== frame) return null;
    this.pendingMark = null;
    return m;
  }

  select(id: number | null): void {
    this.selected = id;
    this.notify();
  }

  /** Entry point for every server message (tests and the debug hook call it directly). */
  handle(msg: ServerMessage): void {
    if (msg.type === "masks" && typeof performance !== "undefined") {
      // Closed by takePendingMark() when the overlay paints this frame during apply().
      const name = `maskflow:masks:${msg.seq}:${msg.frame}`;
      performance.mark(name);
      this.pendingMark = { name, seq: msg.seq, frame: msg.frame };
    }
    this.store.apply(msg);
    this.trackPropagation(msg);
    if (this.pendingMark) {
      // Not the frame on screen: nothing was painted, so drop the mark.
      performance.clearMarks(this.pendingMark.name);
      this.pendingMark = null;
    }
    if (msg.type === "object.deleted" && msg.object.id === this.selected) this.select(null);
    if (msg.type === "error" && msg.req == null) this.opts.onError?.(msg.message);
    if (msg.type === "propagation.done") {
      const r = this.store.propagation?.result;
      if (r === "failed" || r === "worker_lost") this.opts.onError?.(`Propagation ${r.replace("_", " ")}.`);
    }
  }

  private async request(msg: ClientMessage): Promise<{ seq: number | null } | null> {
    try {
      return await this.client.request(msg);
    } catch (e) {
      const err = e as RequestError;
      this.opts.onError?.(err.message || String(e));
      return null;
    }
  }

  // ---- objects ------------------------------------------------------------------------
  async createObject(label: string | null, name?: string, then?: PendingClick): Promise<number | null> {
    const count = this.store.objects.size + 1;
    const before = new Set(this.store.objects.keys());
    const ack = await this.request({
      type: "object.create",
      label: label || null,
      name: name ?? `${label || "object"} ${count}`,
      color: nextColor([...this.store.objects.values()].map((o) => o.color)),
    });
    if (!ack) return null;
    // object.created is broadcast after commit; it may land just before or after the ack.
    const id = await this.waitFor(() => {
      for (const o of this.store.objects.values()) if (!before.has(o.id) && o.seq === ack.seq) return o.id;
      return null;
    });
    if (id !== null) {
      this.select(id);
      if (then) await this.sendPrompt(id, then.frame, then.points, then.labels, then.box, false);
    }
    return id;
  }

  private waitFor<T>(probe: () => T | null, timeoutMs = 5000): Promise<T | null> {
    const now = probe();
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      const unsub = this.store.subscribe(() => {
        const v = probe();
        if (v !== null) {
          unsub();
          clearTimeout(timer);
          resolve(v);
        }
      });
      const timer = setTimeout(() => {
        unsub();
        resolve(null);
      }, timeoutMs);
    });
  }

  renameObject(id: number, name: string): void {
    void this.request({ type: "object.update", object_id: id, name });
  }

  setObjectLabel(id: number, label: string | null): void {
    void this.request({ type: "object.update", object_id: id, label });
  }

  setReview(id: number, review_status: "draft" | "submitted" | "accepted" | "rejected"): void {
    void this.request({ type: "object.update", object_id: id, review_status });
  }

  deleteObject(id: number): void {
    void this.request({ type: "object.delete", object_id: id });
  }

  // ---- prompts ------------------------------------------------------------------------
  private inImage(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.opts.width && y < this.opts.height;
  }

  /** A click: label 1 adds to the object, 0 removes. No object selected → create one. */
  async click(frame: number, x: number, y: number, label: 0 | 1, newObjectLabel: string | null): Promise<void> {
    if (!this.inImage(x, y)) return;
    this.redos = [];
    const pt: [number, number] = [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
    if (this.awaitingCreate) {
      // Clicks made while the new object is being created go to it once it exists.
      this.awaitingCreate.push({ frame, points: [pt], labels: [label], box: null });
      return;
    }
    if (this.selected === null || !this.store.objects.has(this.selected)) {
      const queued: PendingClick[] = [];
      this.awaitingCreate = queued;
      try {
        const id = await this.createObject(newObjectLabel, undefined, { frame, points: [pt], labels: [label], box: null });
        this.awaitingCreate = null;
        for (const q of queued) if (id !== null) await this.sendPrompt(id, q.frame, q.points, q.labels, null, false);
      } finally {
        this.awaitingCreate = null;
      }
      return;
    }
    await this.sendPrompt(this.selected, frame, [pt], [label], null, false);
  }

  async box(frame: number, x0: number, y0: number, x1: number, y1: number, newObjectLabel: string | null): Promise<void> {
    const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi - 1, v));
    this.redos = [];
    const b: [number, number, number, number] = [
      Math.round(clamp(Math.min(x0, x1), this.opts.width)),
      Math.round(clamp(Math.min(y0, y1), this.opts.height)),
      Math.round(clamp(Math.max(x0, x1), this.opts.width)),
      Math.round(clamp(Math.max(y0, y1), this.opts.height)),
    ];
    if (this.selected === null || !this.store.objects.has(this.selected)) {
      await this.createObject(newObjectLabel, undefined, { frame, points: [], labels: [], box: b });
      return;
    }
    // SAM 2 takes a box only as a fresh prompt of that frame; keep the frame's clicks.
    const prev = this.store.promptAt(this.selected, frame);
    await this.sendPrompt(this.selected, frame, prev?.points ?? [], prev?.labels ?? [], b, true);
  }

  private async sendPrompt(
    objectId: number,
    frame: number,
    points: [number, number][],
    labels: (0 | 1)[],
    box: [number, number, number, number] | null,
    clearOld: boolean,
  ): Promise<number | null> {
    const msg: ClientMessage = { type: "prompt.add", object_id: objectId, frame, clear_old: clearOld };
    if (points.length) {
      msg.points = points;
      msg.labels = labels;
    }
    if (box) msg.box = box;
    return (await this.request(msg))?.seq ?? null;
  }

  // ---- hand edits ----------------------------------------------------------------------
  /**
   * Sends an object's whole new mask on a frame (`prompt.mask`): SAM 2 takes it as a
   * conditioning frame and the server broadcasts it to everyone. Shown at once; put back if
   * the server refuses. No object → one is created first. Returns the object id, or null.
   */
  async setMask(frame: number, objectId: number | null, rle: Rle, newObjectLabel: string | null = null, redo = false): Promise<number | null> {
    if (!redo) this.redos = [];
    let id = objectId;
    if (id === null || !this.store.objects.has(id)) {
      id = await this.createObject(newObjectLabel);
      if (id === null) return null;
    }
    const prevEntry = this.store.masksAt(frame)?.get(id);
    const prevPrompt = this.store.promptAt(id, frame);
    this.store.previewMask(frame, id, rle);
    const ack = await this.request({ type: "prompt.mask", object_id: id, frame, rle: { size: rle.size, counts: rle.counts } });
    if (!ack) {
      this.store.restoreMask(frame, id, rle, prevEntry);
      return null;
    }
    this.handEdits.push({ objectId: id, frame, seq: ack.seq ?? 0, prevRle: prevEntry?.rle ?? null, prevPrompt, rle });
    if (this.handEdits.length > 200) this.handEdits.splice(0, 100);
    return id;
  }

  /** Undoes the selected object's last hand edit on this frame, if nothing came after it. */
  private async undoHandEdit(id: number, frame: number): Promise<boolean> {
    let i = this.handEdits.length - 1;
    while (i >= 0 && !(this.handEdits[i].objectId === id && this.handEdits[i].frame === frame)) i--;
    if (i < 0) return false;
    const e = this.handEdits[i];
    // Someone prompted this object here since (a click, another edit): undo that instead.
    if (this.store.lastPromptSeq(id, frame) > e.seq) return false;
    this.handEdits.splice(i, 1);
    let seq: number | null = null;
    const p = e.prevPrompt;
    if (p && (p.points.length || p.box)) {
      const ack = await this.request({
        type: "prompt.add", object_id: id, frame, clear_old: true,
        ...(p.points.length ? { points: p.points, labels: p.labels } : {}),
        ...(p.box ? { box: p.box } : {}),
      });
      seq = ack?.seq ?? null;
    } else {
      const rle = e.prevRle ?? encodeRle(new Uint8Array(0), this.opts.height, this.opts.width);
      this.store.previewMask(frame, id, rle);
      const ack = await this.request({ type: "prompt.mask", object_id: id, frame, rle: { size: rle.size, counts: rle.counts } });
      seq = ack?.seq ?? null;
    }
    // The state now equals the one after the edit before: its entry restores from here.
    for (let j = i - 1; j >= 0 && seq !== null; j--) {
      const prev = this.handEdits[j];
      if (prev.objectId === id && prev.frame === frame) {
        prev.seq = seq;
        break;
      }
    }
    if (seq !== null) this.redos.push({ objectId: id, frame, seq, rle: e.rle });
    return true;
  }

  /** Undoes one object's last change on a frame: a hand edit, else its last click or box (by
   *  re-prompting the rest). Without `objectId`: the selected object's, else (nothing of it
   *  here) the newest prompt or hand edit of this user on the frame, whichever object it
   *  was. Returns the object undone, or null when there was nothing to undo. */
  async undo(frame: number, objectId: number | null = this.undoTarget(frame)): Promise<number | null> {
    const id = objectId;
    if (id === null) return null;
    if (await this.undoHandEdit(id, frame)) return id;
    const p = this.store.promptAt(id, frame);
    if (!p || (p.points.length === 0 && !p.box)) return null;
    const points = p.points.slice(0, -1);
    const labels = p.labels.slice(0, -1);
    const box = p.points.length ? p.box : null; // the box goes last, once the clicks are gone
    const seq = points.length || box ? await this.sendPrompt(id, frame, points, labels, box, true) : await this.resetFrame(frame, id);
    if (seq !== null) this.redos.push({ objectId: id, frame, seq, prompt: p });
    this.notify();
    return id;
  }

  /** Whose change Z takes back on `frame`: the selected object's when it has one there, else
   *  the object of this user's newest prompt or hand edit on the frame. */
  undoTarget(frame: number): number | null {
    const sel = this.selected;
    const undoable = (id: number) => {
      const p = this.store.promptAt(id, frame);
      return !!(p && (p.points.length || p.box)) || this.handEdits.some((e) => e.objectId === id && e.frame === frame);
    };
    if (sel !== null && this.store.objects.has(sel) && undoable(sel)) return sel;
    let best: number | null = null;
    let bestSeq = -1;
    const consider = (id: number, seq: number) => {
      if (seq > bestSeq && this.store.objects.has(id)) [best, bestSeq] = [id, seq];
    };
    for (const { objectId, prompt } of this.store.promptsAt(frame)) {
      if (prompt.by !== null && prompt.by === this.store.you) consider(objectId, this.store.lastPromptSeq(objectId, frame));
    }
    for (const e of this.handEdits) {
      if (e.frame === frame && this.store.lastPromptSeq(e.objectId, frame) <= e.seq) consider(e.objectId, e.seq);
    }
    return best;
  }

  /** True when redo has something for `frame`. */
  canRedo(frame: number): boolean {
    return this.redos.some((r) => r.frame === frame);
  }

  /** Re-sends what the last undo on `frame` took back. Returns the object, null when there is
   *  nothing to redo, or "stale" when someone prompted that object on the frame since. */
  async redo(frame: number): Promise<number | null | "stale"> {
    let i = this.redos.length - 1;
    while (i >= 0 && this.redos[i].frame !== frame) i--;
    if (i < 0) return null;
    const r = this.redos[i];
    if (!this.store.objects.has(r.objectId) || this.store.lastPromptSeq(r.objectId, frame) > r.seq) {
      this.redos = this.redos.filter((x) => !(x.objectId === r.objectId && x.frame === frame));
      return "stale";
    }
    this.redos.splice(i, 1);
    let seq: number | null = null;
    if (r.rle) {
      // A hand edit again (undoable as one); its entry holds the new prompt's seq.
      if ((await this.setMask(frame, r.objectId, r.rle, null, true)) !== null) seq = this.handEdits[this.handEdits.length - 1].seq;
    } else if (r.prompt) {
      seq = await this.sendPrompt(r.objectId, frame, r.prompt.points, r.prompt.labels, r.prompt.box, true);
    }
    // The state is again the one the redo before this one (same object, frame) starts from.
    for (let j = i - 1; j >= 0 && seq !== null; j--) {
      const prev = this.redos[j];
      if (prev.objectId === r.objectId && prev.frame === frame) {
        prev.seq = seq;
        break;
      }
    }
    this.notify();
    return r.objectId;
  }

  /** Clears an object's prompts on a frame: an empty mask prompt resets SAM 2's input there. */
  async clearFrame(frame: number, objectId: number | null = this.selected): Promise<void> {
    if (objectId === null) return;
    this.redos = [];
    await this.resetFrame(frame, objectId);
  }

  private async resetFrame(frame: number, objectId: number): Promise<number | null> {
    const empty = encodeRle(new Uint8Array(0), this.opts.height, this.opts.width);
    const ack = await this.request({
      type: "prompt.mask",
      object_id: objectId,
      frame,
      rle: { size: [this.opts.height, this.opts.width], counts: empty.counts },
    });
    return ack?.seq ?? null;
  }

  // ---- propagation ----------------------------------------------------------------------
  async propagate(frame: number, direction: Direction, onlySelected: boolean): Promise<void> {
    if (this.store.objects.size === 0) {
      this.opts.onError?.("Add an object with a click before propagating.");
      return;
    }
    const msg: ClientMessage = { type: "propagate.start", frame, direction };
    if (onlySelected && this.selected !== null) msg.object_ids = [this.selected];
    const you = this.store.you;
    if (you) {
      const targets = msg.object_ids ?? [...this.store.tracks].filter(([, t]) => t.promptFrames.size).map(([id]) => id);
      this.propagating.set(you, new Set(targets));
    }
    this.store.startPropagation(you);
    const ack = await this.request(msg);
    if (!ack && this.store.propagation?.running && this.store.propagation.total === 0) {
      this.store.apply({ type: "propagation.done", cancelled: true, reason: "failed" });
    }
  }

  /** Cancels propagation `job` (anyone's: the server lets any annotator stop it), or without
   *  one this user's propagations. False when the server refused. */
  async cancelPropagation(job: number | null = null): Promise<boolean> {
    const msg: ClientMessage = { type: "propagate.cancel" };
    if (job !== null) msg.job = job;
    return (await this.request(msg)) !== null;
  }

  /** The objects seen in `by`'s running propagation so far (ids, in order). */
  propagatingObjects(by: string | null): number[] {
    return by === null ? [] : [...(this.propagating.get(by) ?? [])].sort((a, b) => a - b);
  }

  private trackPropagation(msg: ServerMessage): void {
    if (msg.type === "masks" && msg.source === "propagation" && msg.by) {
      const seen = this.propagating.get(msg.by) ?? new Set<number>();
      for (const m of msg.masks) seen.add(m.object_id);
      this.propagating.set(msg.by, seen);
    } else if (msg.type === "propagation.done" && msg.by) {
      this.propagating.delete(msg.by);
    }
  }

  presence(frame: number): void {
    this.client.send({ type: "presence", frame, object_id: this.selected });
  }
}
