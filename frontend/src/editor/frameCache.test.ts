import { describe, expect, it } from "vitest";
import { FrameCache } from "./frameCache";

const fakeBitmap = (n: number) => ({ n, close() {} }) as unknown as ImageBitmap;

function deferredLoader() {
  const calls: number[] = [];
  const resolvers = new Map<number, () => void>();
  const loader = (n: number) => {
    calls.push(n);
    return new Promise<ImageBitmap>((res) => resolvers.set(n, () => res(fakeBitmap(n))));
  };
  return { calls, resolvers, loader };
}

describe("FrameCache", () => {
  it("evicts the least recently used frame beyond capacity", async () => {
    const cache = new FrameCache(async (n) => fakeBitmap(n), 100, 3);
    for (const n of [0, 1, 2]) await cache.load(n);
    cache.get(0); // touch 0 so 1 becomes the oldest
    await cache.load(3);
    expect(cache.has(0)).toBe(true);
    expect(cache.has(1)).toBe(false);
    expect(cache.has(3)).toBe(true);
  });

  it("prefetches nearest frames first within the concurrency limit", () => {
    const { calls, loader } = deferredLoader();
    const cache = new FrameCache(loader, 100, 50, 3);
    cache.prefetch(10, 5, 2);
    expect(calls).toEqual([11, 9, 12]);
  });

  it("does not prefetch past either end of the video", () => {
    const { calls, loader } = deferredLoader();
    const cache = new FrameCache(loader, 5, 50, 10);
    cache.prefetch(4, 5, 1);
    expect(calls).toEqual([3]);
  });

  it("shares one request for a frame that is already loading", async () => {
    const { calls, resolvers, loader } = deferredLoader();
    const cache = new FrameCache(loader, 10, 5);
    const a = cache.load(2);
    const b = cache.load(2);
    resolvers.get(2)!();
    expect(await a).toBe(await b);
    expect(calls).toEqual([2]);
  });

  it("sizes its capacity from a memory budget", () => {
    expect(FrameCache.capacityFor(1920, 1080, 512 * 2 ** 20)).toBe(64);
    expect(FrameCache.capacityFor(64, 64)).toBe(600);
  });
});

describe("FrameCache bounds", () => {
  const bitmap = (n: number, w = 64, h = 48) => ({ n, width: w, height: h, closed: false, close() { this.closed = true; } });

  it("holds at most its byte budget of decoded frames, closing what it drops", async () => {
    const made: ReturnType<typeof bitmap>[] = [];
    const loader = async (n: number) => {
      const b = bitmap(n);
      made.push(b);
      return b as unknown as ImageBitmap;
    };
    const cache = new FrameCache(loader, 10000, 600, 6, 64 * 48 * 4 * 100);
    for (let n = 0; n < 1000; n++) await cache.load(n);
    expect(cache.size).toBe(100);
    expect(cache.bytes).toBe(64 * 48 * 4 * 100);
    expect(made.filter((b) => b.closed).length).toBe(900);
    expect(cache.has(999)).toBe(true);
    expect(cache.has(0)).toBe(false);
  });

  it("keeps only the newest direct loads in flight while scrubbing", async () => {
    const { loader } = deferredLoader();
    const signals: AbortSignal[] = [];
    const cache = new FrameCache((n, signal) => {
      signals.push(signal);
      return loader(n);
    }, 10000, 50, 4);
    const loads = [];
    for (let n = 0; n < 100; n++) loads.push(cache.load(n).catch((e) => e));
    expect(signals.filter((s) => !s.aborted).length).toBe(4);
    expect(cache.inflightCount).toBeLessThanOrEqual(100);
    expect(signals[99].aborted).toBe(false);
    expect(signals[0].aborted).toBe(true);
  });
});
