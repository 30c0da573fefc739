// The frame canvas, the mask overlay canvas and an SVG layer for clicks, box drags and the
// hand tools (brush, eraser, polygon).
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Rle, ObjectOut } from "../protocol/messages";
import type { FrameCache } from "./frameCache";
import { OverlayPainter } from "./overlay";
import { editableMask, fillPolygon, maskToRle, paintSegment, type Mask } from "./paint";
import type { EditorStore, MaskEntry } from "./store";
import { controlOwnsKey } from "./keys";

/** What a left click on the frame does: prompt SAM 2, paint, erase, or add a polygon vertex. */
export type Tool = "prompt" | "brush" | "eraser" | "polygon";

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
  tool?: Tool;
  /** Brush and eraser radius in video pixels. */
  brushRadius?: number;
  onBrushRadius?: (r: number) => void;
  /** A finished hand edit: the object's whole new mask on `frame` (objectId null: a new object). */
  onMaskEdit?: (frame: number, objectId: number | null, mask: Mask) => Promise<unknown>;
  /** Colour of the object a hand edit with nothing selected will create. */
  newColor?: string;
  /** Object id → the colour it is drawn in (its label's), when not its own `color`. */
  colors?: Map<number, string>;
  /** Extra SVG in video pixels over the frame (review pins), given the marker radius. */
  overlay?: (r: number) => React.ReactNode;
}

/** The most the wheel zooms in (4 = 400 %), and the zoom factor per wheel delta unit. */
export const MAX_ZOOM = 4;
const WHEEL_ZOOM = 0.00075;

interface Stroke {
  frame: number;
  objectId: number | null;
  mask: Mask;
  last: [number, number];
  value: 0 | 1;
  changed: boolean;
}

/** A hand edit in progress (or in flight), painted instead of the object's stored mask. */
interface Preview {
  frame: number;
  objectId: number; // -1: an object that does not exist yet
  rle: Rle;
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
  const tool: Tool = props.tool ?? "prompt";
  const brushRadius = props.brushRadius ?? 10;
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
  const live = useRef({ frame, selected, opacity, onPainted: props.onPainted, newColor: props.newColor, colors: props.colors });
  live.current = { frame, selected, opacity, onPainted: props.onPainted, newColor: props.newColor, colors: props.colors };
  const stroke = useRef<Stroke | null>(null);
  const preview = useRef<Preview | null>(null);
  const previewRaf = useRef(0);
  const [poly, setPoly] = useState<[number, number][]>([]);

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
    // Unmounted (an edit's answer can come after the editor closed): nothing to paint.
    if (!p || !overlayCanvas.current) return;
    const { frame: f, selected: sel, opacity: op } = live.current;
    let masks = store.masksAt(f);
    let objects = store.objects;
    const colors = live.current.colors;
    if (colors && colors.size) {
      objects = new Map(objects);
      for (const [id, c] of colors) {
        const o = objects.get(id);
        if (o && o.color !== c) objects.set(id, { ...o, color: c });
      }
    }
    const pv = preview.current;
    if (pv && pv.frame === f) {
      masks = new Map(masks ?? []);
      const entry: MaskEntry = { rle: pv.rle, score: null, source: "prompt", seq: 0, empty: false };
      masks.set(pv.objectId, entry);
      if (!objects.has(pv.objectId)) {
        objects = new Map(objects);
        objects.set(pv.objectId, { id: pv.objectId, color: live.current.newColor ?? "#e6194b" } as ObjectOut);
      }
    }
    const stats = p.paint(masks, objects, store.hidden, op, pv && pv.frame === f ? pv.objectId : sel);
    overlayCanvas.current!.dataset.frame = String(f);
    live.current.onPainted?.({ ...stats, frame: f });
  };
  useEffect(paint, [frame, selected, opacity, props.version, width, height, props.colors]); // eslint-disable-line react-hooks/exhaustive-deps
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
      // A slider or checkbox keeps focus after use (the opacity one, say); 0 must still reset.
      if (e.key === "0" && !e.ctrlKey && !e.metaKey && !controlOwnsKey(e.target, e.key)) setView({ zoom: 1, x: 0, y: 0 });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // ---- hand tools ------------------------------------------------------------------------
  const schedulePreview = () => {
    if (previewRaf.current) return;
    previewRaf.current = requestAnimationFrame(() => {
      previewRaf.current = 0;
      const st = stroke.current;
      if (!st) return;
      preview.current = { frame: st.frame, objectId: st.objectId ?? -1, rle: maskToRle(st.mask, height, width) };
      paint();
    });
  };
  const endPreview = () => {
    cancelAnimationFrame(previewRaf.current);
    previewRaf.current = 0;
    preview.current = null;
    paint();
  };
  /** Hands a finished edit up; its preview stays until the edit is applied or refused. */
  const commit = (f: number, objectId: number | null, mask: Mask) => {
    cancelAnimationFrame(previewRaf.current);
    previewRaf.current = 0;
    preview.current = { frame: f, objectId: objectId ?? -1, rle: maskToRle(mask, height, width) };
    paint();
    const done = props.onMaskEdit ? props.onMaskEdit(f, objectId, mask) : Promise.resolve();
    done.finally(() => {
      if (preview.current?.frame === f && !stroke.current) endPreview();
    });
  };
  const startStroke = (x: number, y: number, value: 0 | 1) => {
    const sel = selected !== null && store.objects.has(selected) ? selected : null;
    if (sel === null && value === 0) return; // nothing to erase from
    const mask = editableMask(sel !== null ? store.masksAt(frame)?.get(sel)?.rle : null, height, width);
    const changed = paintSegment(mask, height, width, x, y, x, y, brushRadius, value);
    stroke.current = { frame, objectId: sel, mask, last: [x, y], value, changed };
    schedulePreview();
  };
  const moveStroke = (x: number, y: number) => {
    const st = stroke.current;
    if (!st) return;
    if (paintSegment(st.mask, height, width, st.last[0], st.last[1], x, y, brushRadius, st.value)) {
      st.changed = true;
      schedulePreview();
    }
    st.last = [x, y];
  };
  const endStroke = () => {
    const st = stroke.current;
    if (!st) return;
    stroke.current = null;
    if (st.changed) commit(st.frame, st.objectId, st.mask);
    else endPreview();
  };
  const closePolygon = (pts: [number, number][]) => {
    setPoly([]);
    if (pts.length < 3) return;
    const sel = selected !== null && store.objects.has(selected) ? selected : null;
    const mask = editableMask(sel !== null ? store.masksAt(frame)?.get(sel)?.rle : null, height, width);
    if (fillPolygon(mask, height, width, pts, 1) > 0) commit(frame, sel, mask);
  };
  // A polygon or stroke belongs to its frame and tool.
  useEffect(() => {
    setPoly([]);
    if (stroke.current) {
      stroke.current = null;
      endPreview();
    }
  }, [frame, tool, selected]); // eslint-disable-line react-hooks/exhaustive-deps

  // Enter closes the polygon, Backspace drops its last vertex, Esc cancels it (or a stroke).
  // Capture phase: the editor's own Esc (deselect) must not also run.
  const polyRef = useRef(poly);
  polyRef.current = poly;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") && t.getAttribute("type") !== "range") return;
      const pts = polyRef.current;
      if (e.key === "Escape" && (pts.length || stroke.current)) {
        setPoly([]);
        if (stroke.current) {
          stroke.current = null;
          endPreview();
        }
      } else if (e.key === "Enter" && pts.length) closePolygon(pts);
      else if (e.key === "Backspace" && pts.length) setPoly(pts.slice(0, -1));
      else return;
      e.preventDefault();
      e.stopImmediatePropagation();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  });

  const onWheel = (e: React.WheelEvent) => {
    const el = wrap.current;
    if (!el) return;
    if (e.shiftKey && (tool === "brush" || tool === "eraser") && props.onBrushRadius) {
      // Shift+wheel sizes the brush (Chromium turns a shifted wheel into deltaX).
      const d = e.deltaY || e.deltaX;
      props.onBrushRadius(brushRadius * Math.exp(-d * 0.002));
      return;
    }
    const r = el.getBoundingClientRect();
    // Cursor relative to the stage centre, where the un-panned image is centred.
    const cx = e.clientX - r.left - r.width / 2;
    const cy = e.clientY - r.top - r.height / 2;
    setView((v) => {
      // About 1.08-1.2x per wheel notch (Chromium: deltaY 100-240 each), so five notches stay
      // under 2.5x, and never past MAX_ZOOM.
      const zoom = Math.max(1, Math.min(MAX_ZOOM, v.zoom * Math.exp(-e.deltaY * WHEEL_ZOOM)));
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
    if (tool === "brush" || tool === "eraser") {
      // Right button: the other one of the pair (erase while brushing, paint while erasing).
      startStroke(x, y, (tool === "brush") === (e.button === 0) ? 1 : 0);
      return;
    }
    if (tool === "polygon") {
      if (e.button !== 0) return;
      // Clicking the first vertex again closes the polygon.
      const near = (8 * width) / Math.max(1, fit.w * view.zoom);
      if (poly.length >= 3 && Math.hypot(x - poly[0][0], y - poly[0][1]) <= near) closePolygon(poly);
      else setPoly([...poly, [Math.max(0, Math.min(width, x)), Math.max(0, Math.min(height, y))]]);
      return;
    }
    setDrag({ x0: x, y0: y, x1: x, y1: y, moved: false, button: e.button, shift: e.shiftKey });
  };
  const onMove = (e: React.MouseEvent) => {
    const [x, y] = toVideo(e);
    setHover([x, y]);
    if (stroke.current) moveStroke(x, y);
    if (!drag) return;
    const moved = drag.moved || Math.hypot(x - drag.x0, y - drag.y0) > dragThreshold;
    setDrag({ ...drag, x1: x, y1: y, moved });
  };
  const onUp = (e: React.MouseEvent) => {
    endStroke();
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

  // A hidden object's clicks are hidden with its mask.
  const prompts = props.showPrompts ? store.promptsAt(frame).filter((p) => !store.hidden.has(p.objectId)) : [];
  // Click markers are 6 screen pixels in radius at any zoom and video size (r is in video
  // pixels), so they never hide the object.
  const r = (6 * width) / Math.max(1, fit.w * view.zoom);
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
          className={`prompt-layer ${editable ? "editable" : "readonly"} tool-${tool}`}
          data-tool={tool}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          style={{ width: fit.w, height: fit.h }}
          onMouseDown={onDown}
          onMouseMove={onMove}
          onMouseUp={onUp}
          onMouseLeave={() => {
            setHover(null);
            setDrag(null);
            endStroke();
          }}
          onContextMenu={(e) => e.preventDefault()}
          data-testid="prompt-layer"
        >
          {prompts.map(({ objectId, prompt }) => {
            const o: ObjectOut | undefined = objects.get(objectId);
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
                    stroke={props.colors?.get(objectId) ?? o?.color ?? "#fff"}
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
          {props.overlay?.(r)}
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
          {editable && poly.length > 0 && (
            <g className="polygon-draft" data-testid="polygon-draft" data-vertices={poly.length}>
              <polyline
                points={[...poly, ...(hover ? [hover] : [])].map((p) => p.join(",")).join(" ")}
                fill={poly.length >= 2 ? "rgba(91, 140, 255, 0.15)" : "none"}
              />
              {poly.map((p, i) => (
                <circle key={i} cx={p[0]} cy={p[1]} r={(i === 0 ? 5 : 3.5) * (width / Math.max(1, fit.w * view.zoom))} className={i === 0 ? "first" : ""} />
              ))}
            </g>
          )}
          {editable && hover && (tool === "brush" || tool === "eraser") && (
            // The brush's true footprint, in video pixels, so it stays right at any zoom.
            <circle
              className={`brush-cursor ${tool}`}
              cx={hover[0]}
              cy={hover[1]}
              r={brushRadius}
              data-testid="brush-cursor"
            />
          )}
          {editable && hover && !drag && tool === "prompt" && (
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
