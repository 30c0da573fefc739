// Decoded video frames: an LRU of ImageBitmaps, bounded by count and by decoded bytes, plus
// prefetching around the playhead. Scrubbing a long video keeps only the newest few direct
// loads in flight: older ones are for frames the playhead has already left.
// JPEGs come from /api/videos/{id}/frames/{n}.jpg, which the server marks immutable, so
// the browser's HTTP cache keeps the compressed bytes and this cache keeps decoded pixels.

export type Loader = (n: number, signal: AbortSignal) => Promise<ImageBitmap>;

export function httpLoader(videoId: number): Loader {
  return async (n, signal) => {
    const res = await fetch(`/api/videos/${videoId}/frames/${n}.jpg`, {
      credentials: "same-origin",
      signal,
    });
    if (!res.ok) throw new Error(`frame ${n}: HTTP ${res.status}`);
    return createImageBitmap(await res.blob());
  };
}

export class FrameCache {
  private bitmaps = new Map<number, ImageBitmap>(); // insertion order = LRU order
  private inflight = new Map<number, { promise: Promise<ImageBitmap>; ctrl: AbortController }>();
  private queue: number[] = [];
  private listeners = new Set<(n: number) => void>();
  /** Direct loads (not prefetches) in flight, oldest first. */
  private urgent: number[] = [];
  /** Decoded bytes held (width * height * 4 per frame). */
  bytes = 0;
  evictions = 0;
  hits = 0;
  misses = 0;

  constructor(
    private loader: Loader,
    private numFrames: number,
    public capacity: number,
    private concurrency = 6,
    public maxBytes = 512 * 2 ** 20,
  ) {}

  /** Capacity from a memory budget: decoded RGBA frames are width*height*4 bytes. */
  static capacityFor(width: number, height: number, budgetBytes = 512 * 2 ** 20): number {
    const per = Math.max(1, width * height * 4);
    return Math.max(12, Math.min(600, Math.floor(budgetBytes / per)));
  }

  onLoad(fn: (n: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(n: number): ImageBitmap | undefined {
    const bmp = this.bitmaps.get(n);
    if (bmp) {
      this.bitmaps.delete(n);
      this.bitmaps.set(n, bmp);
      this.hits++;
    } else {
      this.misses++;
    }
    return bmp;
  }

  has(n: number): boolean {
    return this.bitmaps.has(n);
  }

  get size(): number {
    return this.bitmaps.size;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Loads frame n now, ahead of any prefetch queue. */
  load(n: number): Promise<ImageBitmap> {
    const have = this.bitmaps.get(n);
    if (have) return Promise.resolve(have);
    const running = this.inflight.get(n);
    if (running) return running.promise;
    this.queue = this.queue.filter((q) => q !== n);
    const p = this.start(n);
    this.urgent.push(n);
    // A scrub asks for frame after frame: drop the stale requests beyond the newest few.
    while (this.urgent.length > this.concurrency) {
      const old = this.urgent.shift()!;
      this.inflight.get(old)?.ctrl.abort();
    }
    return p;
  }

  /** Queue frames around `center`, nearest first, forward-biased; drops stale queue. */
  prefetch(center: number, ahead: number, behind: number): void {
    const want: number[] = [];
    for (let d = 1; d <= Math.max(ahead, behind); d++) {
      if (d <= ahead && center + d < this.numFrames) want.push(center + d);
      if (d <= behind && center - d >= 0) want.push(center - d);
    }
    this.queue = want.filter((n) => !this.bitmaps.has(n) && !this.inflight.has(n));
    // Keep what we are about to need from being evicted by the prefetch itself.
    const keep = Math.min(this.capacity - 2, want.length);
    this.queue = this.queue.slice(0, Math.max(0, keep));
    this.pump();
  }

  private pump(): void {
    while (this.inflight.size < this.concurrency && this.queue.length) {
      const n = this.queue.shift()!;
      this.start(n).catch(() => {});
    }
  }

  private start(n: number): Promise<ImageBitmap> {
    const ctrl = new AbortController();
    const done = () => {
      this.inflight.delete(n);
      this.urgent = this.urgent.filter((u) => u !== n);
    };
    const promise = this.loader(n, ctrl.signal).then(
      (bmp) => {
        done();
        if (ctrl.signal.aborted) {
          bmp.close?.();
          throw new DOMException("superseded", "AbortError");
        }
        this.put(n, bmp);
        for (const fn of [...this.listeners]) fn(n);
        this.pump();
        return bmp;
      },
      (err) => {
        done();
        this.pump();
        throw err;
      },
    );
    this.inflight.set(n, { promise, ctrl });
    return promise;
  }

  private put(n: number, bmp: ImageBitmap): void {
    const had = this.bitmaps.get(n);
    if (had) {
      this.bitmaps.delete(n);
      this.bytes -= sizeOf(had);
      if (had !== bmp) had.close?.();
    }
    this.bitmaps.set(n, bmp);
    this.bytes += sizeOf(bmp);
    while (this.bitmaps.size > 1 && (this.bitmaps.size > this.capacity || this.bytes > this.maxBytes)) {
      const oldest = this.bitmaps.keys().next().value as number;
      const b = this.bitmaps.get(oldest)!;
      this.bytes -= sizeOf(b);
      b.close?.();
      this.bitmaps.delete(oldest);
      this.evictions++;
    }
  }

  dispose(): void {
    for (const { ctrl } of this.inflight.values()) ctrl.abort();
    this.inflight.clear();
    for (const b of this.bitmaps.values()) b.close?.();
    this.bitmaps.clear();
    this.bytes = 0;
    this.queue = [];
    this.urgent = [];
  }
}

const sizeOf = (b: ImageBitmap) => (b.width || 0) * (b.height || 0) * 4;
