// Editor state for one video: objects, per-frame masks, prompts, timeline, presence and
// propagation. A plain class fed by protocol messages and REST loads; React subscribes via
// useSyncExternalStore, and the canvas painter listens for mask changes of its frame.

import type { RestMask, RestPrompt, TimelineTrack } from "../api/types";
import type { MaskSource } from "../protocol/wire";
import { FrameLru, maskBytes } from "./maskCache";
import type {
  ModelOut,
  UserPresence,
  PromptOut,
  Rle,
  ServerMessage,
  ObjectOut,
} from "../protocol/messages";

export interface MaskEntry {
  rle: Rle;
  score: number | null;
  source: MaskSource;
  seq: number;
  empty: boolean;
}

export interface FramePrompt {
  points: [number, number][];
  labels: (0 | 1)[];
  box: [number, number, number, number] | null;
  by: string | null;
}

export interface Track {
  maskFrames: Set<number>;
  promptFrames: Set<number>;
}

export interface PropagationState {
  running: boolean;
  done: number;
  total: number;
  frame: number;
  by: string | null;
  result: "done" | "cancelled" | "superseded" | "failed" | "worker_lost" | null;
  /** The server's id for it; several propagations of one video can run at once. */
  job?: number | null;
}

type FrameListener = (frame: number) => void;

/** True when the mask has no pixels. O(1): pycocotools' first count is the leading zeros,
 *  so the mask is empty exactly when that run covers the whole image. */
export function isEmptyRle(rle: Rle): boolean {
  const s = rle.counts;
  let x = 0, k = 0, p = 0, more = 1;
  while (more && p < s.length) {
    const c = s.charCodeAt(p++) - 48;
    x |= (c & 0x1f) << (5 * k++);
    more = c & 0x20;
    if (!more && c & 0x10) x |= -1 << (5 * k);
  }
  return x >= rle.size[0] * rle.size[1];
}

const key = (objectId: number, frame: number) => `${objectId}:${frame}`;

export class EditorStore {
  version = 0;
  objects = new Map<number, ObjectOut>();
  hidden = new Set<number>();
  /** frame → object id → mask */
  masks = new Map<number, Map<number, MaskEntry>>();
  /** Bounds `masks`: least recently used frames go (and are read again when visited). */
  maskLru = new FrameLru();
  /** frames whose REST masks were loaded (or are loading) */
  loadedFrames = new Set<number>();
  prompts = new Map<string, FramePrompt>();
  /** object:frame → its prompts by seq (live and REST merged), from the last reset on. */
  private promptLog = new Map<string, { seq: number; prompt: PromptOut; by: string | null }[]>();
  tracks = new Map<number, Track>();
  users: UserPresence[] = [];
  propagation: PropagationState | null = null;
  /** Running propagations of the video by job id (0: a server that sends none). */
  private jobs = new Map<number, PropagationState>();
  private pendingStart: PropagationState | null = null;
  private lastDone: PropagationState | null = null;
  model: ModelOut | null = null;
  role: string | null = null;
  you: string | null = null;
  seq = 0;
  /** Bumped by each live mask change; REST loads started earlier must not overwrite it. */
  private liveEpoch = 0;
  private liveTouched = new Map<string, number>();

  private listeners = new Set<() => void>();
  private frameListeners = new Set<FrameListener>();
  private scheduled = false;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  /** Called synchronously when masks of a frame change (the overlay paints at once). */
  onFrameMasks(fn: FrameListener): () => void {
    this.frameListeners.add(fn);
    return () => this.frameListeners.delete(fn);
  }

  /** React listeners are batched to one notification per microtask. */
  private changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of [...this.listeners]) fn();
    });
  }

  /** Bumped whenever a track may change (the timeline redraws on it, not on every mask load). */
  trackVersion = 0;
  private track(objectId: number): Track {
    this.trackVersion++;
    let t = this.tracks.get(objectId);
    if (!t) {
      t = { maskFrames: new Set(), promptFrames: new Set() };
      this.tracks.set(objectId, t);
    }
    return t;
  }

  sortedObjects(): ObjectOut[] {
    return [...this.objects.values()].sort((a, b) => a.id - b.id);
  }

  masksAt(frame: number): Map<number, MaskEntry> | undefined {
    this.maskLru.touch(frame);
    return this.masks.get(frame);
  }

  /** Records a frame's new mask size and drops the least recently used frames over budget. */
  private account(frame: number, m: Map<number, MaskEntry>): void {
    this.maskLru.touch(frame, maskBytes(m.values()));
    for (const f of this.maskLru.evict((g) => g === frame)) {
      const gone = this.masks.get(f);
      this.masks.delete(f);
      this.loadedFrames.delete(f);
      for (const oid of gone?.keys() ?? []) this.liveTouched.delete(key(oid, f));
    }
  }

  promptAt(objectId: number, frame: number): FramePrompt | undefined {
    return this.prompts.get(key(objectId, frame));
  }

  promptsAt(frame: number): { objectId: number; prompt: FramePrompt }[] {
    const out: { objectId: number; prompt: FramePrompt }[] = [];
    for (const [k, p] of this.prompts) {
      const [o, f] = k.split(":").map(Number);
      if (f === frame && this.objects.has(o)) out.push({ objectId: o, prompt: p });
    }
    return out;
  }

  /** The seq of the newest prompt of an object on a frame this tab knows of (0: none). */
  lastPromptSeq(objectId: number, frame: number): number {
    const log = this.promptLog.get(key(objectId, frame));
    return log && log.length ? log[log.length - 1].seq : 0;
  }

  /** Shows a hand-edited mask at once; the server's answer (a newer seq) replaces it. */
  previewMask(frame: number, objectId: number, rle: Rle): void {
    this.applyMasks(frame, this.seq, "prompt", [{ object_id: objectId, rle, score: null }]);
    this.changed();
  }

  /** Puts back what previewMask(`preview`) replaced (a refused edit): the old entry, or no
   *  mask. A mask that came from the server since stays. */
  restoreMask(frame: number, objectId: number, preview: Rle, entry: MaskEntry | undefined): void {
    const m = this.masks.get(frame);
    if (!m || m.get(objectId)?.rle !== preview) return;
    if (entry) m.set(objectId, entry);
    else m.delete(objectId);
    const tr = this.track(objectId);
    if (entry && !entry.empty) tr.maskFrames.add(frame);
    else tr.maskFrames.delete(frame);
    this.emitFrame(frame);
    this.changed();
  }

  setHidden(objectId: number, hidden: boolean): void {
    if (hidden) this.hidden.add(objectId);
    else this.hidden.delete(objectId);
    this.changed();
  }

  // ---- REST loads ------------------------------------------------------------------
  loadObjects(objects: ObjectOut[]): void {
    for (const o of objects) this.upsertObject(o);
    this.changed();
  }

  loadTimeline(tracks: TimelineTrack[]): void {
    for (const t of tracks) {
      const tr = this.track(t.object_id);
      for (const f of t.mask_frames) tr.maskFrames.add(f);
      for (const f of t.prompt_frames) tr.promptFrames.add(f);
    }
    this.changed();
  }

  /** The stored prompt log (REST, seq order); merged with live prompts, deduplicated by seq. */
  loadPrompts(rows: RestPrompt[]): void {
    for (const r of rows) this.applyPrompt(restPromptOut(r), r.user, r.seq);
    this.changed();
  }

  /** Returns the epoch to pass to loadFrameMasks, taken before the request is sent. */
  beginFrameLoad(frame: number): number {
    this.loadedFrames.add(frame);
    return this.liveEpoch;
  }

  failFrameLoad(frame: number): void {
    this.loadedFrames.delete(frame);
  }

  loadFrameMasks(frame: number, rows: RestMask[], epoch: number): void {
    let m = this.masks.get(frame);
    if (!m) {
      m = new Map();
      this.masks.set(frame, m);
    }
    for (const r of rows) {
      if (!this.objects.has(r.object_id)) continue;
      // A live message that arrived after this request started is newer: keep it.
      if ((this.liveTouched.get(key(r.object_id, frame)) ?? -1) >= epoch) continue;
      m.set(r.object_id, {
        rle: r.rle,
        score: r.score,
        source: r.source,
        seq: 0,
        empty: isEmptyRle(r.rle),
      });
    }
    this.account(frame, m);
    this.emitFrame(frame);
    this.changed();
  }

  // ---- protocol ----------------------------------------------------------------------
  apply(msg: ServerMessage): void {
    switch (msg.type) {
      case "session.state": {
        this.model = msg.model ?? null;
        this.role = msg.role ?? this.role;
        this.you = msg.you ?? this.you;
        this.users = msg.users ?? [];
        const live = new Set(msg.objects.map((o) => o.id));
        for (const id of [...this.objects.keys()]) if (!live.has(id)) this.removeObject(id);
        for (const o of msg.objects) this.upsertObject(o);
        this.seq = Math.max(this.seq, msg.seq);
        break;
      }
      case "object.created":
      case "object.updated":
        this.upsertObject(msg.object);
        this.seq = Math.max(this.seq, msg.seq);
        break;
      case "object.deleted":
        this.removeObject(msg.object.id);
        this.seq = Math.max(this.seq, msg.seq);
        break;
      case "masks":
        this.applyMasks(msg.frame, msg.seq, msg.source, msg.masks);
        this.seq = Math.max(this.seq, msg.seq);
        break;
      case "prompt.added":
        this.applyPrompt(msg.prompt, msg.by, msg.seq);
        this.seq = Math.max(this.seq, msg.seq);
        break;
      case "propagation.progress": {
        const by = msg.by ?? null;
        if (by === this.you) this.pendingStart = null;
        this.jobs.set(msg.job ?? 0, {
          running: true,
          done: msg.done,
          total: msg.total,
          frame: msg.frame,
          by,
          result: null,
          job: msg.job ?? null,
        });
        this.refreshPropagation();
        break;
      }
      case "propagation.done": {
        const key = msg.job ?? 0;
        const prev = this.jobs.get(key) ?? (msg.job == null ? this.pendingStart : null) ?? this.propagation;
        if (msg.job == null || (msg.by ?? null) === this.you) this.pendingStart = null;
        this.jobs.delete(key);
        this.lastDone = {
          running: false,
          done: msg.done ?? prev?.done ?? 0,
          total: msg.total ?? prev?.total ?? 0,
          frame: prev?.frame ?? 0,
          by: msg.by ?? prev?.by ?? null,
          result: msg.cancelled ? (msg.reason ?? "cancelled") : (msg.reason ?? "done"),
          job: msg.job ?? null,
        };
        this.refreshPropagation();
        break;
      }
      case "presence":
        this.users = msg.users;
        break;
      case "sync.done":
        this.seq = Math.max(this.seq, msg.seq);
        break;
      default:
        return;
    }
    this.changed();
  }

  /** Marks a propagation as started locally, before the first progress message arrives. */
  startPropagation(by: string | null): void {
    this.pendingStart = { running: true, done: 0, total: 0, frame: 0, by, result: null, job: null };
    this.refreshPropagation();
    this.changed();
  }

  /** The propagation to show: yours while one runs, else anyone's running one, else the last
   *  that ended. (Other users' propagations of other objects run alongside yours.) */
  private refreshPropagation(): void {
    const running = [...this.jobs.values()];
    this.propagation =
      running.find((j) => j.by === this.you) ??
      this.pendingStart ??
      running[0] ??
      this.lastDone;
  }

  private upsertObject(o: ObjectOut): void {
    const prev = this.objects.get(o.id);
    if (prev && (prev.seq ?? 0) > (o.seq ?? 0)) return;
    this.objects.set(o.id, { ...o });
    this.track(o.id);
  }

  private removeObject(id: number): void {
    this.objects.delete(id);
    this.tracks.delete(id);
    this.hidden.delete(id);
    for (const [frame, m] of this.masks) if (m.delete(id)) this.emitFrame(frame);
    for (const k of [...this.prompts.keys()]) if (k.startsWith(`${id}:`)) this.prompts.delete(k);
    for (const k of [...this.promptLog.keys()]) if (k.startsWith(`${id}:`)) this.promptLog.delete(k);
  }

  private applyMasks(
    frame: number,
    seq: number,
    source: MaskSource,
    masks: { object_id: number; rle: Rle; score: number | null }[],
  ): void {
    let m = this.masks.get(frame);
    if (!m) {
      m = new Map();
      this.masks.set(frame, m);
    }
    let touched = false;
    for (const mk of masks) {
      if (!this.objects.has(mk.object_id)) continue;
      const prev = m.get(mk.object_id);
      if (prev && prev.seq > seq) continue; // a replayed or late older mask
      const empty = isEmptyRle(mk.rle);
      m.set(mk.object_id, { rle: mk.rle, score: mk.score, source, seq, empty });
      this.liveTouched.set(key(mk.object_id, frame), this.liveEpoch);
      const tr = this.track(mk.object_id);
      if (empty) tr.maskFrames.delete(frame);
      else tr.maskFrames.add(frame);
      touched = true;
    }
    this.liveEpoch++;
    if (touched) this.account(frame, m);
    if (touched) this.emitFrame(frame);
  }

  /** Adds one prompt to its frame's log (a seq seen before is ignored) and rebuilds the
   *  frame's clicks in seq order, so REST rows and live messages merge in any order. */
  private applyPrompt(p: PromptOut, by: string | null, seq: number): void {
    const k = key(p.object_id, p.frame);
    if (!this.objects.has(p.object_id)) return;
    const log = this.promptLog.get(k) ?? [];
    if (log.some((e) => e.seq === seq)) return;
    let i = log.length;
    while (i > 0 && log[i - 1].seq > seq) i--;
    log.splice(i, 0, { seq, prompt: p, by });
    // A mask prompt or clear_old resets the frame: what came before it no longer counts.
    let from = 0;
    log.forEach((e, j) => {
      if (e.prompt.kind === "mask" || e.prompt.clear_old) from = j;
    });
    if (from > 0) log.splice(0, from);
    this.promptLog.set(k, log);
    const merged = mergePrompts(log);
    if (merged) this.prompts.set(k, merged);
    else this.prompts.delete(k);
    this.track(p.object_id).promptFrames.add(p.frame);
  }

  private emitFrame(frame: number): void {
    for (const fn of [...this.frameListeners]) fn(frame);
  }
}

/** A prompt log row (GET /api/videos/{id}/prompts/) as the live message's prompt. */
export function restPromptOut(r: RestPrompt): PromptOut {
  const out: PromptOut = { object_id: r.object_id, frame: r.frame, kind: r.kind };
  if (r.kind === "mask") return out;
  const d = r.payload ?? {};
  if (d.points != null) out.points = d.points;
  if (d.labels != null) out.labels = d.labels;
  if (d.box != null) out.box = d.box;
  out.clear_old = !!d.clear_old;
  return out;
}

/** One frame's clicks and box from its prompts in seq order (undefined after a mask prompt,
 *  which replaces the frame's clicks in SAM 2). */
export function mergePrompts(log: { prompt: PromptOut; by: string | null }[]): FramePrompt | undefined {
  let cur: FramePrompt | undefined;
  for (const { prompt: p, by } of log) {
    if (p.kind === "mask") {
      cur = undefined;
      continue;
    }
    const prev = p.clear_old ? undefined : cur;
    const next: FramePrompt = {
      points: [...(prev?.points ?? [])],
      labels: [...(prev?.labels ?? [])],
      box: p.box && p.box.length === 4 ? (p.box as [number, number, number, number]) : (prev?.box ?? null),
      by,
    };
    (p.points ?? []).forEach((pt, i) => {
      next.points.push([pt[0], pt[1]]);
      next.labels.push((p.labels?.[i] ?? 1) ? 1 : 0);
    });
    cur = next;
  }
  return cur;
}
