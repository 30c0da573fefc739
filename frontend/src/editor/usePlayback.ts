// The playhead: the current frame (mirrored in ?frame=N), and playback at the video's fps
// that waits (does not skip) on frames that are not decoded yet.
import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import type { FrameCache } from "./frameCache";

export function usePlayback(numFrames: number, fps: number, cache: FrameCache) {
  const N = numFrames;
  const [params, setParams] = useSearchParams();
  const [frame, setFrameState] = useState(() => Math.max(0, Math.min(N - 1, Number(params.get("frame")) || 0)));
  const frameRef = useRef(frame);
  const [playing, setPlaying] = useState(false);

  const setFrame = useCallback(
    (f: number) => {
      const n = Math.max(0, Math.min(N - 1, Math.round(f)));
      frameRef.current = n;
      setFrameState(n);
    },
    [N],
  );
  /** Stop playing and go to `f` (a seek by the user). */
  const seek = useCallback(
    (f: number) => {
      setPlaying(false);
      setFrame(f);
    },
    [setFrame],
  );

  // Keep ?frame=N in the URL (deep links), without a history entry per frame.
  useEffect(() => {
    const t = setTimeout(() => {
      if (params.get("frame") !== String(frame)) setParams({ frame: String(frame) }, { replace: true });
    }, 300);
    return () => clearTimeout(t);
  }, [frame]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!playing) return;
    let raf = 0;
    let t0 = performance.now();
    let f0 = frameRef.current;
    let shown = 0;
    let stalls = 0;
    const stalledAt: number[] = [];
    const start = t0;
    const tick = (now: number) => {
      // rAF timestamps can precede t0 (they mark the frame start), so clamp at zero.
      const target = f0 + Math.floor((Math.max(0, now - t0) * fps) / 1000);
      if (target >= N) {
        setFrame(N - 1);
        setPlaying(false);
        return;
      }
      if (target !== frameRef.current) {
        if (cache.has(target)) {
          setFrame(target);
          shown++;
        } else {
          stalls++;
          stalledAt.push(target);
          cache.load(target).catch(() => {});
          t0 = now;
          f0 = frameRef.current;
        }
      }
      if (window.__maskflow) window.__maskflow.playStats = { frames: shown, ms: now - start, stalls, stalledAt };
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, fps, N, cache, setFrame]);

  return { frame, frameRef, setFrame, seek, playing, setPlaying };
}
