// Masklet operations (split, merge, clear a range, duplicate) and the frame jumps that go with
// them (prompted frames, frames without a mask). Each operation is one protocol message; the
// room, this tab included, hears the result as events. React-free, so it is unit-tested.
import type { ProtocolClient } from "../protocol/client";
import type { ClientMessage, ObjectOut } from "../protocol/messages";
import type { EditorStore } from "./store";

/** The nearest frame after (`dir` 1) or before (-1) `frame` with a prompt mark (the
 *  timeline's diamonds) of `objectId`, or of any object when null; null when there is none. */
export function stepPrompted(store: EditorStore, objectId: number | null, frame: number, dir: 1 | -1): number | null {
  let best: number | null = null;
  for (const [oid, t] of store.tracks) {
    if ((objectId !== null && oid !== objectId) || !store.objects.has(oid)) continue;
    for (const f of t.promptFrames) {
      if (dir > 0 ? f > frame && (best === null || f < best) : f < frame && (best === null || f > best)) best = f;
    }
  }
  return best;
}

/** The nearest frame after (`dir` 1) or before (-1) `frame` where `objectId` has no mask
 *  (a gap to fill), or null when it has masks on every frame that way. */
export function stepGap(store: EditorStore, objectId: number, frame: number, numFrames: number, dir: 1 | -1): number | null {
  const masks = store.tracks.get(objectId)?.maskFrames ?? new Set<number>();
  for (let f = frame + dir; f >= 0 && f < numFrames; f += dir) if (!masks.has(f)) return f;
  return null;
}

export function objectName(o: ObjectOut | undefined, id: number): string {
  return o?.name || `object ${id}`;
}

/** What the server names the object a split or duplicate makes. */
export function derivedName(o: ObjectOut | undefined, id: number, kind: "split" | "duplicate"): string {
  return kind === "split" ? `${objectName(o, id)} (2)` : `${objectName(o, id)} copy`;
}

/** One undoable step: a split is undone by merging the new object back, a duplicate by
 *  deleting the copy (both exact while nobody changed the new object since). */
export type MaskletUndo = { kind: "split"; from: number; to: number; frame: number } | { kind: "duplicate"; copy: number };

export class Masklets {
  undos: MaskletUndo[] = [];

  constructor(
    private client: Pick<ProtocolClient, "request">,
    private store: EditorStore,
    private onError: (m: string) => void,
  ) {}

  private async send(msg: ClientMessage): Promise<number | null> {
    try {
      return (await this.client.request(msg)).seq ?? 0;
    } catch (e) {
      this.onError((e as Error).message || String(e));
      return null;
    }
  }

  /** The object the last operation made: the newest one with `name` not in `before`. */
  private async created(before: Set<number>, name: string, timeoutMs = 3000): Promise<number | null> {
    const t0 = Date.now();
    for (;;) {
      let found: number | null = null;
      for (const o of this.store.objects.values()) if (!before.has(o.id) && o.name === name && (found === null || o.id > found)) found = o.id;
      if (found !== null || Date.now() - t0 > timeoutMs) return found;
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  async split(objectId: number, frame: number): Promise<number | null> {
    const before = new Set(this.store.objects.keys());
    const name = derivedName(this.store.objects.get(objectId), objectId, "split");
    if ((await this.send({ type: "object.split", object_id: objectId, frame })) === null) return null;
    const to = await this.created(before, name);
    if (to !== null) this.undos.push({ kind: "split", from: objectId, to, frame });
    return to;
  }

  async duplicate(objectId: number): Promise<number | null> {
    const before = new Set(this.store.objects.keys());
    const name = derivedName(this.store.objects.get(objectId), objectId, "duplicate");
    if ((await this.send({ type: "object.duplicate", object_id: objectId })) === null) return null;
    const copy = await this.created(before, name);
    if (copy !== null) this.undos.push({ kind: "duplicate", copy });
    return copy;
  }

  async merge(objectId: number, intoId: number): Promise<boolean> {
    this.undos = this.undos.filter((u) => (u.kind === "split" ? u.from !== objectId && u.to !== objectId : u.copy !== objectId));
    return (await this.send({ type: "object.merge", object_id: objectId, into_id: intoId })) !== null;
  }

  async clear(objectId: number, start: number, end: number): Promise<boolean> {
    return (await this.send({ type: "masks.clear", object_id: objectId, start: Math.min(start, end), end: Math.max(start, end) })) !== null;
  }

  /** The last split or duplicate whose objects still exist, if any. */
  lastUndo(): MaskletUndo | null {
    while (this.undos.length) {
      const u = this.undos[this.undos.length - 1];
      const alive = u.kind === "split" ? this.store.objects.has(u.from) && this.store.objects.has(u.to) : this.store.objects.has(u.copy);
      if (alive) return u;
      this.undos.pop();
    }
    return null;
  }

  /** Undoes the last split (merge back) or duplicate (delete the copy). */
  async undo(): Promise<MaskletUndo | null> {
    const u = this.lastUndo();
    if (!u) return null;
    this.undos.pop();
    const ok =
      u.kind === "split"
        ? (await this.send({ type: "object.merge", object_id: u.to, into_id: u.from })) !== null
        : (await this.send({ type: "object.delete", object_id: u.copy })) !== null;
    return ok ? u : null;
  }
}
