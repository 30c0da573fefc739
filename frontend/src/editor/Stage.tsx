// The frame canvas, the mask overlay canvas and an SVG layer for clicks and box drags.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { WireObject } from "../protocol/messages";
import type { FrameCache } from "./frameCache";
import { OverlayPainter } from "./overlay";
import type { EditorStore } from "./store";

export interface StageProps {
  width: number;
  height: number;
  frame: number;
  cache: FrameCache;
  store: EditorStore;
  version: number;
  selected: number | null;
  opacity: number;
  showPrompts: boolean;
  editable: boolean;
  onClick: (x: number, y: number, label: 0 | 1) => void;
  onBox: (x0: number, y0: number, x1: number, y1: number) => void;
  onPainted?: (stats: { objects: number; area: number; ms: number; frame: number }) => void;
}

interface Drag {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  moved: boolean;
  button: number;
  shift: boolean;
}

export default function Stage(props: StageProps) {
  const { width, height, frame, cache, store, selected, opacity, editable } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const frameCanvas = useRef<HTMLCanvasElement>(null);
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const painter = useRef<OverlayPainter | null>(null);
  const [fit, setFit] = useState({ w: 0, h: 0 });
  const [drag, setDrag] = useState<Drag | null>(null);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const [frameMissing, setFrameMissing] = useState(false);
  // View zoom (1 = fit) and pan in screen pixels; the wheel zooms at the cursor, a middle- or
  // Alt-drag pans, double-clicking the background or pressing 0 resets.
  const [view, setView] = useState({ zoom: 1, x: 0, y: 0 });
  const pan = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  // Latest values for the synchronous mask-paint callback.
  const live = useRef({ frame, selected, opacity, onPainted: props.onPainted });
  live.current = { frame, selected, opacity, onPainted: props.onPainted };

  // Fit the video into the available space, keeping its aspect ratio.
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      const s = Math.min((r.width - 24) / width, (r.height - 24) / height);
      setFit({ w: Math.max(1, Math.floor(width * s)), h: Math.max(1, Math.floor(height * s)) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [width, height]);

  useEffect(() => {
    if (overlayCanvas.current) painter.current = new OverlayPainter(overlayCanvas.current, width, height);
  }, [width, height]);

  // Draw the frame: from the cache at once, or as soon as it loads. The canvas has the
  // display's pixel size, so the browser scales each frame once, here, not in compositing.
  useEffect(() => {
    const c = frameCanvas.current;
    if (!c || fit.w <= 1) return;
    const dpr = window.devicePixelRatio || 1;
    // Sharp when zoomed in, up to the video's own resolution.
    const cw = Math.min(width, Math.round(fit.w * dpr * view.zoom));
    const ch = Math.min(height, Math.round(fit.h * dpr * view.zoom));
    if (c.width !== cw || c.height !== ch) {
      c.width = cw;
      c.height = ch;
    }
    const ctx = c.getContext("2d", { alpha: false });
    if (!ctx) return;
    ctx.imageSmoothingQuality = "low"; // bilinear: "medium" costs ~10x in software rendering
    let alive = true;
    const draw = (bmp: ImageBitmap) => {
      if (!alive) return;
      ctx.drawImage(bmp, 0, 0, cw, ch);
      c.dataset.frame = String(frame);
      setFrameMissing(false);
    };
    const have = cache.get(frame);
    if (have) draw(have);
    else
      cache.load(frame).then(draw, () => {
        if (alive) setFrameMissing(true);
      });
    return () => {
      alive = false;
    };
  }, [frame, cache, width, height, fit.w, fit.h, view.zoom]);

  // Paint masks: whenever the frame, selection, opacity or visibility change...
  const paint = () => {
    const p = painter.current;
    if (!p) return;
    const { frame: f, selected: sel, opacity: op } = live.current;
    const stats = p.paint(store.masksAt(f), store.objects, store.hidden, op, sel);
    overlayCanvas.current!.dataset.frame = String(f);
    live.current.onPainted?.({ ...stats, frame: f });
  };
  useEffect(paint, [frame, selected, opacity, props.version, width, height]); // eslint-disable-line react-hooks/exhaustive-deps
  // ...and synchronously when a masks message for this frame arrives (no React round trip).
  useEffect(
    () =>
      store.onFrameMasks((f) => {
        if (f === live.current.frame) paint();
      }),
    [store], // eslint-disable-line react-hooks/exhaustive-deps
  );

  const toVideo = (e: React.MouseEvent): [number, number] => {
    const r = (e.currentTarget as SVGElement).getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * width, ((e.clientY - r.top) / r.height) * height];
  };
  const dragThreshold = (Math.max(width, height) / Math.max(1, fit.w)) * 6;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === "0" && !(t && (t.tagName === "INPUT" || t.tagName === "SELECT"))) setView({ zoom: 1, x: 0, y: 0 });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const onWheel = (e: React.WheelEvent) => {
    const el = wrap.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    // Cursor relative to the stage centre, where the un-panned image is centred.
    const cx = e.clientX - r.left - r.width / 2;
    const cy = e.clientY - r.top - r.height / 2;
    setView((v) => {
      const zoom = Math.max(1, Math.min(12, v.zoom * Math.exp(-e.deltaY * 0.0015)));
      if (zoom === 1) return { zoom: 1, x: 0, y: 0 };
      const k = zoom / v.zoom;
      return { zoom, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
    });
  };
  const onStageDown = (e: React.MouseEvent) => {
    if (e.button === 1 || (e.button === 0 && e.altKey) || (e.button === 0 && e.target === wrap.current)) {
      e.preventDefault();
      pan.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    }
  };
  const onStageMove = (e: React.MouseEvent) => {
    const p = pan.current;
    if (p && view.zoom > 1) setView((v) => ({ ...v, x: p.vx + e.clientX - p.x, y: p.vy + e.clientY - p.y }));
  };
  const endPan = () => {
    pan.current = null;
  };

  const onDown = (e: React.MouseEvent) => {
    if (e.altKey || e.button === 1) return; // panning
    if (!editable || (e.button !== 0 && e.button !== 2)) return;
    const [x, y] = toVideo(e);
    setDrag({ x0: x, y0: y, x1: x, y1: y, moved: false, button: e.button, shift: e.shiftKey });
  };
  const onMove = (e: React.MouseEvent) => {
    const [x, y] = toVideo(e);
    setHover([x, y]);
    if (!drag) return;
    const moved = drag.moved || Math.hypot(x - drag.x0, y - drag.y0) > dragThreshold;
    setDrag({ ...drag, x1: x, y1: y, moved });
  };
  const onUp = (e: React.MouseEvent) => {
    if (!drag) return;
    const d = drag;
    setDrag(null);
    if (d.moved && d.button === 0) {
      const [x, y] = toVideo(e);
      props.onBox(d.x0, d.y0, x, y);
    } else if (!d.moved) {
      props.onClick(d.x0, d.y0, d.button === 2 || d.shift || e.altKey ? 0 : 1);
    }
  };

  const prompts = props.showPrompts ? store.promptsAt(frame) : [];
  const r = Math.max(width, height) / 150;
  const objects = store.objects;

  return (
    <div
      className="stage"
      ref={wrap}
      onWheel={onWheel}
      onMouseDown={onStageDown}
      onMouseMove={onStageMove}
      onMouseUp={endPan}
      onMouseLeave={endPan}
      onDoubleClick={(e) => e.target === wrap.current && setView({ zoom: 1, x: 0, y: 0 })}
    >
      <div
        className="stage-inner"
        style={{
          width: fit.w,
          height: fit.h,
          transform: view.zoom === 1 ? undefined : `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`,
        }}
      >
        <canvas
          ref={frameCanvas}
          className="frame-canvas"
          style={{ width: fit.w, height: fit.h }}
          data-testid="frame-canvas"
        />
        <canvas
          ref={overlayCanvas}
          className="overlay-canvas"
          style={{ width: fit.h, height: fit.w }}
          data-testid="overlay-canvas"
        />
        <svg
          className={`prompt-layer ${editable ? "editable" : "readonly"}`}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          style={{ width: fit.w, height: fit.h }}
          onMouseDown={onDown}
          onMouseMove={onMove}
          onMouseUp={onUp}
          onMouseLeave={() => {
            setHover(null);
            setDrag(null);
          }}
          onContextMenu={(e) => e.preventDefault()}
          data-testid="prompt-layer"
        >
          {prompts.map(({ objectId, prompt }) => {
            const o: WireObject | undefined = objects.get(objectId);
            const faded = selected !== null && objectId !== selected;
            return (
              <g key={objectId} opacity={faded ? 0.45 : 1} className="prompt-object" data-object-id={objectId}>
                {prompt.box && (
                  <rect
                    x={prompt.box[0]}
                    y={prompt.box[1]}
                    width={prompt.box[2] - prompt.box[0]}
                    height={prompt.box[3] - prompt.box[1]}
                    fill="none"
                    stroke={o?.color ?? "#fff"}
                    strokeWidth={r / 2.5}
                    strokeDasharray={`${r} ${r / 2}`}
                  />
                )}
                {prompt.points.map((pt, i) => (
                  <g key={i} transform={`translate(${pt[0]} ${pt[1]})`} className="prompt-point" data-label={prompt.labels[i]}>
                    <circle r={r} fill={prompt.labels[i] ? "#22c55e" : "#ef4444"} stroke="#fff" strokeWidth={r / 4} />
                    <path
                      d={prompt.labels[i] ? `M${-r / 2} 0H${r / 2}M0 ${-r / 2}V${r / 2}` : `M${-r / 2} 0H${r / 2}`}
                      stroke="#fff"
                      strokeWidth={r / 3.5}
                      strokeLinecap="round"
                    />
                  </g>
                ))}
              </g>
            );
          })}
          {drag?.moved && drag.button === 0 && (
            <rect
              x={Math.min(drag.x0, drag.x1)}
              y={Math.min(drag.y0, drag.y1)}
              width={Math.abs(drag.x1 - drag.x0)}
              height={Math.abs(drag.y1 - drag.y0)}
              className="drag-box"
              strokeWidth={r / 3}
            />
          )}
          {editable && hover && !drag && (
            <g className="crosshair" strokeWidth={r / 6}>
              <line x1={hover[0]} y1={0} x2={hover[0]} y2={height} />
              <line x1={0} y1={hover[1]} x2={width} y2={hover[1]} />
            </g>
          )}
        </svg>
        {frameMissing && <div className="stage-note">Frame {frame} could not be loaded.</div>}
      </div>
      {view.zoom > 1 && (
        <button className="zoom-badge" onClick={() => setView({ zoom: 1, x: 0, y: 0 })} title="Reset zoom (0)">
          {Math.round(view.zoom * 100)}% ×
        </button>
      )}
    </div>
  );
}
