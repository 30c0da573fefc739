// One track per object: frames with a mask, prompted frames, review state; click to seek.
// Built for long videos and many objects: a fixed height (the stage keeps its size), rows
// virtualised in a vertical scroll, and one canvas that draws only the visible frame window;
// Ctrl+wheel (or wheel over the ruler) and +/- zoom, Shift+wheel and the overview bar scroll,
// and the window follows the playhead.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { UserPresence, ObjectOut } from "../protocol/messages";
import { colorFor } from "../components/layout";
import { ReviewMarks, type TimelineMark } from "./review/ReviewMarks";
import type { Track } from "./store";
import {
  clampWindow,
  drawTracks,
  followWindow,
  rulerTicks,
  zoomWindow,
  type TimelineWindow,
} from "./timelineView";

interface Props {
  numFrames: number;
  frame: number;
  objects: ObjectOut[];
  tracks: Map<number, Track>;
  selected: number | null;
  users: UserPresence[];
  you: string | null;
  /** Changes whenever a track may have changed (the store's trackVersion): redraws the tracks. */
  version: number;
  propagatingFrame: number | null;
  onSeek: (frame: number) => void;
  onSelect: (id: number) => void;
  /** Review marks on the ruler: flagged and commented frames. */
  marks?: TimelineMark[];
}

const LABEL_W = 180;
const ROW = 26;
const RULER = 22;
/** Rows shown before the track list scrolls; the timeline never grows past them. */
const VISIBLE_ROWS = 5;
const BODY_H = VISIBLE_ROWS * ROW;
const OVERVIEW = 10;
const COLLAPSED_KEY = "maskflow.timeline.collapsed";

declare global {
  interface Window {
    /** When set (by benchmarks), each timeline render and canvas draw pushes its ms here. */
    __mfTimelinePerf?: { render: number[]; draw: number[] };
  }
}

/** The virtualised track rows (labels in the DOM, coverage in one canvas). */
const TrackRows = memo(function TrackRows({
  objects,
  tracks,
  selected,
  view,
  width,
  version,
  onSelect,
}: {
  objects: ObjectOut[];
  tracks: Map<number, Track>;
  selected: number | null;
  view: TimelineWindow;
  width: number;
  version: number;
  onSelect: (id: number) => void;
}) {
  const body = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  // jsdom and a first layout report 0: then draw as if the body had its CSS height.
  const viewH = BODY_H;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 2);
  const last = Math.min(objects.length, Math.ceil((scrollTop + viewH) / ROW) + 2);
  const visible = objects.slice(first, last);

  // The selected object's track scrolls into view (a click on the video, a number key).
  useEffect(() => {
    const el = body.current;
    const i = objects.findIndex((o) => o.id === selected);
    if (!el || i < 0) return;
    if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
    else if ((i + 1) * ROW > el.scrollTop + viewH) el.scrollTop = (i + 1) * ROW - viewH;
    setScrollTop(el.scrollTop);
  }, [selected, objects, viewH]);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width <= 0) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const h = viewH;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, h);
    const top = Math.floor(scrollTop / ROW);
    const rows = objects.slice(top, top + VISIBLE_ROWS + 1).map((o) => ({
      track: tracks.get(o.id),
      color: o.color,
      selected: o.id === selected,
    }));
    drawTracks(ctx, rows, view, width, top * ROW - scrollTop, ROW, version);
    window.__mfTimelinePerf?.draw.push(performance.now() - t0);
  }, [objects, tracks, selected, view, width, version, scrollTop, viewH]);

  return (
    <div
      className="timeline-body"
      ref={body}
      style={{ height: BODY_H }}
      onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
    >
      <div className="timeline-rows" style={{ height: Math.max(viewH, objects.length * ROW) }}>
        <canvas ref={canvas} className="track-canvas" style={{ width, height: viewH, marginLeft: LABEL_W }} />
        {objects.length === 0 && (
          <div className="tracks-empty">Click on the video to create an object and its first mask.</div>
        )}
        {visible.map((o, k) => {
          const t = tracks.get(o.id);
          const n = t?.maskFrames.size ?? 0;
          return (
            <div
              key={o.id}
              className={`track ${o.id === selected ? "track-selected" : ""}`}
              style={{ top: (first + k) * ROW }}
              data-testid="track"
              data-object-id={o.id}
              data-mask-frames={n}
              data-prompt-frames={t?.promptFrames.size ?? 0}
            >
              <div className="track-label" onClick={() => onSelect(o.id)} title={`${o.name} · ${o.review_status} · ${n} frames`}>
                <span className="swatch" style={{ background: o.color }} />
                <span className="track-name">{o.name || `object ${o.id}`}</span>
                <span className={`review review-${o.review_status}`} title={`review: ${o.review_status}`} />
                <span className="track-count">{n}</span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
});

export default function Timeline(props: Props) {
  const t0 = performance.now();
  const { numFrames, frame, objects, tracks, selected, users, you } = props;
  const N = Math.max(1, numFrames);
  const area = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [view, setViewState] = useState<TimelineWindow>({ start: 0, span: N });
  const viewRef = useRef(view);
  viewRef.current = view;
  const setView = useCallback((w: TimelineWindow) => setViewState(clampWindow(w, N)), [N]);
  const [collapsed, setCollapsed] = useState(() => {
    try {
      return localStorage.getItem(COLLAPSED_KEY) === "1";
    } catch {
      return false;
    }
  });
  const drag = useRef<"seek" | "overview" | null>(null);

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(0, el.clientWidth - LABEL_W)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => setViewState((v) => clampWindow(v.span >= numFrames ? { start: 0, span: N } : v, N)), [N, numFrames]);
  // Follow the playhead: a frame outside the window pages the window to it.
  useEffect(() => {
    const v = viewRef.current;
    const next = followWindow(v, N, frame);
    if (next !== v) setViewState(next);
  }, [frame, N]);
  useEffect(() => {
    try {
      localStorage.setItem(COLLAPSED_KEY, collapsed ? "1" : "0");
    } catch {
      /* private mode */
    }
  }, [collapsed]);

  const zoomBy = useCallback(
    (factor: number, at?: number) => {
      const v = viewRef.current;
      // Without a cursor, zoom around the playhead (when it is in view).
      const a = at ?? Math.max(0, Math.min(1, (frame + 0.5 - v.start) / v.span));
      setView(zoomWindow(v, N, factor, a));
    },
    [N, frame, setView],
  );
  // + and - zoom the timeline (no other editor shortcut uses them).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "+" || e.key === "=") zoomBy(1 / 1.6);
      else if (e.key === "-" || e.key === "_") zoomBy(1.6);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [zoomBy]);

  const w = Math.max(1, width);
  const fw = w / view.span;
  const xOf = (f: number) => LABEL_W + (f + 0.5 - view.start) * fw;
  const frameAt = (clientX: number) => {
    const r = area.current!.getBoundingClientRect();
    const x = clientX - r.left - LABEL_W;
    return Math.max(0, Math.min(N - 1, Math.floor(view.start + (x / w) * view.span)));
  };
  const overviewTo = (clientX: number) => {
    const r = area.current!.getBoundingClientRect();
    const f = ((clientX - r.left - LABEL_W) / w) * N;
    setView({ start: f - view.span / 2, span: view.span });
  };
  const inView = (f: number) => f >= view.start - 0.5 && f < view.start + view.span;

  const onWheel = (e: WheelEvent) => {
    const r = area.current!.getBoundingClientRect();
    const at = Math.max(0, Math.min(1, (e.clientX - r.left - LABEL_W) / w));
    const overRuler = (e.target as HTMLElement).closest(".timeline-ruler, .timeline-overview");
    if (e.ctrlKey || e.metaKey || (overRuler && !e.shiftKey && Math.abs(e.deltaY) > Math.abs(e.deltaX))) {
      e.preventDefault();
      zoomBy(Math.exp(e.deltaY * 0.0015), at);
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const d = e.deltaX || e.deltaY;
      setView({ start: view.start + (d / w) * view.span, span: view.span });
    }
    // A plain wheel over the tracks scrolls them (native).
  };

  // A native listener: React's wheel listeners are passive, and Ctrl+wheel must not zoom the page.
  const wheel = useRef(onWheel);
  wheel.current = onWheel;
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    const fn = (e: WheelEvent) => wheel.current(e);
    el.addEventListener("wheel", fn, { passive: false });
    return () => el.removeEventListener("wheel", fn);
  }, []);

  const ticks = rulerTicks(view, w);
  const zoomed = view.span < N - 0.5;
  const playX = xOf(frame);
  const perf = window.__mfTimelinePerf;
  useLayoutEffect(() => {
    perf?.render.push(performance.now() - t0);
  });

  return (
    <div
      className={`timeline ${collapsed ? "timeline-collapsed" : ""}`}
      ref={area}
      onMouseDown={(e) => {
        const target = e.target as HTMLElement;
        if (target.closest(".track-label, .timeline-tools")) return;
        // The track list's own scrollbar scrolls; it does not seek.
        if (target.classList.contains("timeline-body") && e.nativeEvent.offsetX >= target.clientWidth) return;
        if (target.closest(".timeline-overview")) {
          drag.current = "overview";
          overviewTo(e.clientX);
          return;
        }
        drag.current = "seek";
        props.onSeek(frameAt(e.clientX));
      }}
      onMouseMove={(e) => {
        if (drag.current === "seek") props.onSeek(frameAt(e.clientX));
        else if (drag.current === "overview") overviewTo(e.clientX);
      }}
      onMouseUp={() => (drag.current = null)}
      onMouseLeave={() => (drag.current = null)}
      data-testid="timeline"
      data-start={Math.round(view.start)}
      data-span={Math.round(view.span)}
    >
      <div className="timeline-ruler">
        <div className="track-label ruler-label timeline-tools">
          <button
            className="icon-btn tl-btn"
            onClick={() => setCollapsed(!collapsed)}
            title={collapsed ? "Show the tracks" : "Hide the tracks"}
            aria-label={collapsed ? "Expand timeline" : "Collapse timeline"}
            aria-expanded={!collapsed}
            data-testid="timeline-collapse"
          >
            {collapsed ? "▸" : "▾"}
          </button>
          <span className="tl-count">
            {objects.length} object{objects.length === 1 ? "" : "s"}
          </span>
          <button className="icon-btn tl-btn" onClick={() => zoomBy(1.6)} disabled={!zoomed} title="Zoom out (-)" aria-label="Zoom timeline out" data-testid="timeline-zoom-out">
            −
          </button>
          <button className="icon-btn tl-btn" onClick={() => zoomBy(1 / 1.6)} disabled={view.span <= Math.min(N, 20) + 0.5} title="Zoom in (+; Ctrl+wheel)" aria-label="Zoom timeline in" data-testid="timeline-zoom-in">
            +
          </button>
          <button className="icon-btn tl-btn" onClick={() => setView({ start: 0, span: N })} disabled={!zoomed} title="Whole video" aria-label="Fit timeline" data-testid="timeline-fit">
            ↔
          </button>
        </div>
        <div className="ruler" style={{ width }}>
          {ticks.map((t) => (
            <span key={t} className="tick" style={{ left: (t - view.start) * fw }}>
              {t}
            </span>
          ))}
          {users
            .filter((u) => u.username !== you && u.frame !== null && inView(u.frame))
            .map((u) => (
              <span
                key={u.username}
                className="presence-marker"
                style={{ left: (u.frame! + 0.5 - view.start) * fw, borderTopColor: colorFor(u.username) }}
                title={`${u.username} is on frame ${u.frame}`}
              />
            ))}
          {props.marks && <ReviewMarks marks={props.marks} start={view.start} span={view.span} width={w} />}
        </div>
      </div>
      {!collapsed && (
        <TrackRows
          objects={objects}
          tracks={tracks}
          selected={selected}
          view={view}
          width={width}
          version={props.version}
          onSelect={props.onSelect}
        />
      )}
      <div className="timeline-overview" style={{ height: OVERVIEW }} title="Drag to scroll the timeline">
        {zoomed && (
          <div
            className="overview-thumb"
            style={{ left: LABEL_W + (view.start / N) * w, width: Math.max(6, (view.span / N) * w) }}
          />
        )}
        <div className="overview-playhead" style={{ left: LABEL_W + ((frame + 0.5) / N) * w }} />
      </div>
      {props.propagatingFrame !== null && inView(props.propagatingFrame) && (
        <div className="propagation-head" style={{ left: xOf(props.propagatingFrame) }} />
      )}
      {inView(frame) && <div className="playhead" style={{ left: playX, bottom: OVERVIEW }} data-testid="playhead" />}
    </div>
  );
}

export const TIMELINE_HEIGHT = RULER + BODY_H + OVERVIEW;
