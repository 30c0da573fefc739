// The bound on the editor's per-frame masks: frames in least-recently-used order with their
// approximate size, so a long video scrubbed end to end (or a propagation over thousands of
// frames) keeps a bounded number of RLE strings in memory. Evicted frames are read again
// over REST when the playhead comes back (the timeline keeps its own per-object frame sets).

/** Approximate bytes of one frame's masks: the RLE strings (2 bytes a char) plus overhead. */
export function maskBytes(masks: Iterable<{ rle: { counts: string } }>): number {
  let n = 0;
  for (const m of masks) n += 96 + 2 * m.rle.counts.length;
  return n;
}

export class FrameLru {
  /** frame → bytes; Map insertion order is the LRU order (oldest first). */
  private order = new Map<number, number>();
  bytes = 0;
  evictions = 0;

  constructor(
    public maxFrames = 2000,
    public maxBytes = 64 * 2 ** 20,
  ) {}

  get size(): number {
    return this.order.size;
  }

  has(frame: number): boolean {
    return this.order.has(frame);
  }

  /** Marks `frame` as just used; with `bytes`, also records its new size. */
  touch(frame: number, bytes?: number): void {
    const had = this.order.get(frame);
    if (had === undefined && bytes === undefined) return;
    if (had !== undefined) this.order.delete(frame);
    const b = bytes ?? had!;
    this.bytes += b - (had ?? 0);
    this.order.set(frame, b);
  }

  forget(frame: number): void {
    const had = this.order.get(frame);
    if (had === undefined) return;
    this.bytes -= had;
    this.order.delete(frame);
  }

  /** Removes and returns the oldest frames, skipping `keep`, until within both bounds. */
  evict(keep: (frame: number) => boolean): number[] {
    const out: number[] = [];
    if (this.order.size <= this.maxFrames && this.bytes <= this.maxBytes) return out;
    for (const [f, b] of this.order) {
      if (this.order.size <= this.maxFrames && this.bytes <= this.maxBytes) break;
      if (keep(f)) continue;
      this.order.delete(f);
      this.bytes -= b;
      out.push(f);
    }
    this.evictions += out.length;
    return out;
  }
}
