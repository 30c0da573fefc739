// Performance and test hooks: window.__maskflow (read by the Playwright tests and benchmarks)
// and the masks-message → overlay-painted measure.
import { useCallback, useEffect, type RefObject } from "react";
import type { ServerMessage } from "../protocol/messages";
import { decodeRle, encodeRle } from "../rle/rle";
import type { EditorController } from "./controller";
import type { FrameCache } from "./frameCache";

declare global {
  interface Window {
    __maskflow?: {
      ctl: EditorController;
      cache: FrameCache;
      paints: { seq: number; frame: number; ms: number; objects: number; area: number }[];
      /** Feeds a server message (object or raw JSON text) through the live message path. */
      inject: (msg: ServerMessage | string) => void;
      playStats: { frames: number; ms: number; stalls: number; stalledAt: number[] } | null;
      frame: () => number;
      /** The plain decoder, for the benchmark's side-by-side baseline. */
      decodeRle: typeof decodeRle;
      /** The encoder hand edits send with, for the test against pycocotools. */
      encodeRle: typeof encodeRle;
    };
  }
}

const MEASURE = "maskflow:masks-to-overlay";

/** Installs window.__maskflow while mounted; returns the Stage's onPainted callback. */
export function usePerfMarks(ctl: EditorController, cache: FrameCache, frameRef: RefObject<number>) {
  useEffect(() => {
    window.__maskflow = {
      ctl,
      cache,
      paints: [],
      inject: (m) => ctl.handle(typeof m === "string" ? (JSON.parse(m) as ServerMessage) : m),
      playStats: null,
      frame: () => frameRef.current,
      decodeRle,
      encodeRle,
    };
    return () => {
      if (window.__maskflow?.ctl === ctl) delete window.__maskflow;
    };
  }, [ctl, cache, frameRef]);

  return useCallback(
    (s: { objects: number; area: number; ms: number; frame: number }) => {
      const mark = ctl.takePendingMark(s.frame);
      if (!mark) return;
      const measure = performance.measure(MEASURE, mark.name);
      performance.clearMarks(mark.name);
      const paints = window.__maskflow?.paints;
      if (paints) {
        paints.push({ seq: mark.seq, frame: s.frame, ms: measure.duration, objects: s.objects, area: s.area });
        if (paints.length > 2000) paints.splice(0, 1000);
      }
      if (performance.getEntriesByName(MEASURE).length > 2000) performance.clearMeasures(MEASURE);
    },
    [ctl],
  );
}
