// The video editor: frame canvas with mask overlays, prompting, objects, propagation,
// timeline and live collaboration over /ws/videos/{id}/.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { can, type ModelInfo, type Project, type RestMask, type RestPrompt, type Role, type TimelineTrack, type Video } from "../api/types";
import { colorFor, ProgressBar, Spinner, TopBar } from "../components/layout";
import { useToast } from "../components/toasts";
import { EditorController, nextColor } from "../editor/controller";
import { FrameCache, httpLoader } from "../editor/frameCache";
import HelpOverlay from "../editor/HelpOverlay";
import ObjectPanel from "../editor/ObjectPanel";
import { editableMask, fillHoles, maskToRle, removeSpecks, type Mask } from "../editor/paint";
import Stage, { type Tool } from "../editor/Stage";
import Timeline from "../editor/Timeline";
import { ProtocolClient, type ConnectionState } from "../protocol/client";
import { decodeRle, encodeRle } from "../rle/rle";
import type { ServerMessage, ObjectOut } from "../protocol/messages";
import type { Direction } from "../protocol/wire";
import { formatDuration } from "./ProjectPage";

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

export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${String(m).padStart(2, "0")}:${s.toFixed(3).padStart(6, "0")}`;
}

/** A frame's time in seconds: its decoded timestamp when the video has them (exact for
 *  variable frame rates; counted from the first frame), else frame / fps. */
export function frameTime(frame: number, fps: number, timestamps?: number[] | null): number {
  const t = timestamps?.[frame];
  if (typeof t === "number" && Number.isFinite(t)) return Math.max(0, t - (timestamps![0] ?? 0));
  return frame / fps;
}

export default function EditorPage() {
  const { id } = useParams();
  const videoId = Number(id);
  const [video, setVideo] = useState<Video | null>(null);
  const [project, setProject] = useState<Project | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const v = await api<Video>(`/api/videos/${videoId}/`);
        if (!alive) return;
        setVideo(v);
        document.title = `${v.name} · Maskflow`;
        if (v.status === "processing") timer = setTimeout(load, 1000);
        const p = await api<Project>(`/api/projects/${v.project}/`);
        if (alive) setProject(p);
      } catch (e) {
        if (alive) setError(e instanceof ApiError && e.status === 404 ? "This video does not exist or you are not a member of its project." : (e as Error).message);
      }
    };
    load();
    api<ModelInfo>("/api/model/").then((m) => alive && setModel(m), () => {});
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [videoId]);

  if (error)
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }]} />
        <main className="content">
          <div className="card empty">
            <h3>Cannot open this video</h3>
            <p className="muted">{error}</p>
          </div>
        </main>
      </div>
    );
  if (!video || !project)
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }]} />
        <div className="page-loading">
          <Spinner /> Loading video…
        </div>
      </div>
    );
  if (video.status !== "ready")
    return (
      <div className="page">
        <TopBar crumbs={[{ label: "Projects", to: "/" }, { label: project.name, to: `/projects/${project.id}` }, { label: video.name }]} />
        <main className="content">
          <div className="card empty">
            <h3>{video.status === "failed" ? "This video could not be processed" : "Preparing the video…"}</h3>
            {video.status === "failed" ? (
              <p className="form-error">{video.error}</p>
            ) : (
              <ProgressBar value={video.progress} label={`${Math.round(video.progress)}%`} />
            )}
          </div>
        </main>
      </div>
    );
  return <Editor key={video.id} video={video} project={project} model={model} toast={toast} />;
}

/** The tool rail's tools: [tool, label, key]. */
const TOOLS: [Tool, string, string][] = [
  ["prompt", "Click", "V"],
  ["brush", "Brush", "B"],
  ["eraser", "Eraser", "E"],
  ["polygon", "Polygon", "G"],
];

const CONN_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  open: "Live",
  syncing: "Syncing…",
  reconnecting: "Reconnecting…",
  closed: "Offline",
  failed: "Disconnected",
};

function Editor({
  video,
  project,
  model,
  toast,
}: {
  video: Video;
  project: Project;
  model: ModelInfo | null;
  toast: (kind: "error" | "info" | "success", text: string) => void;
}) {
  const W = video.width;
  const H = video.height;
  const N = video.num_frames;
  const fps = video.fps > 0 ? video.fps : 25;
  const [params, setParams] = useSearchParams();
  const initialFrame = Math.max(0, Math.min(N - 1, Number(params.get("frame")) || 0));
  const [frame, setFrameState] = useState(initialFrame);
  const frameRef = useRef(frame);
  const [playing, setPlaying] = useState(false);
  const [opacity, setOpacity] = useState(0.5);
  const [showPrompts, setShowPrompts] = useState(true);
  const [help, setHelp] = useState(false);
  const [newLabel, setNewLabel] = useState<string | null>(project.labels[0]?.name ?? null);
  const [onlySelected, setOnlySelected] = useState(false);
  // Hand tools: the tool, the brush radius (video pixels) and the clean-up size (pixels).
  const [tool, setTool] = useState<Tool>("prompt");
  const maxRadius = Math.max(8, Math.round(Math.max(W, H) / 4));
  const [brushRadius, setBrushRadiusState] = useState(() => Math.max(2, Math.round(Math.max(W, H) / 80)));
  const setBrushRadius = useCallback(
    (r: number) => setBrushRadiusState(Math.max(1, Math.min(maxRadius, Math.round(r * 10) / 10))),
    [maxRadius],
  );
  const [cleanSize, setCleanSize] = useState(() => Math.max(16, Math.round((W * H) / 2000)));

  const { ctl, cache } = useMemo(() => {
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    const client = new ProtocolClient({ url: `${proto}//${window.location.host}/ws/videos/${video.id}/` });
    const ctl = new EditorController({
      videoId: video.id,
      width: W,
      height: H,
      numFrames: N,
      client,
      onError: (m) => toast("error", m),
      onInfo: (m) => toast("info", m),
    });
    const cache = new FrameCache(httpLoader(video.id), N, FrameCache.capacityFor(W, H));
    return { ctl, cache };
  }, [video.id, W, H, N, toast]);
  const store = ctl.store;

  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  const [, bump] = useState(0);
  useEffect(() => ctl.onChange(() => bump((n) => n + 1)), [ctl]);
  const selected = ctl.selected;
  const role: Role | null = (store.role as Role | null) ?? project.role;
  const canAnnotate = can(role, "annotate");
  const canReview = can(role, "review");

  // Join the room first, then read the REST state: a change committed after the join streams
  // in live, so nothing falls between the two (reads that start earlier could miss some).
  const [joined, setJoined] = useState(false);
  useEffect(() => {
    const off = ctl.client.onMessage((m) => {
      if (m.type !== "session.state") return;
      off();
      api<ObjectOut[]>(`/api/videos/${video.id}/objects/`)
        .then((objs) => store.loadObjects(objs))
        .catch(() => {});
      api<TimelineTrack[]>(`/api/videos/${video.id}/timeline/`)
        .then((t) => store.loadTimeline(t))
        .catch(() => {});
      // Earlier prompts, so their clicks show (and undo) after a reload; merged by seq.
      api<RestPrompt[]>(`/api/videos/${video.id}/prompts/`)
        .then((rows) => store.loadPrompts(rows))
        .catch(() => {});
      setJoined(true);
    });
    ctl.client.connect();
    const paints: NonNullable<Window["__maskflow"]>["paints"] = [];
    window.__maskflow = {
      ctl,
      cache,
      paints,
      inject: (m) => ctl.handle(typeof m === "string" ? (JSON.parse(m) as ServerMessage) : m),
      playStats: null,
      frame: () => frameRef.current,
      decodeRle,
      encodeRle,
    };
    return () => {
      off();
      // Only the socket and decoded frames go; listeners stay for a StrictMode re-mount.
      ctl.client.close();
      cache.dispose();
      if (window.__maskflow?.ctl === ctl) delete window.__maskflow;
    };
  }, [ctl, cache, store, video.id]);

  const setFrame = useCallback(
    (f: number) => {
      const n = Math.max(0, Math.min(N - 1, Math.round(f)));
      frameRef.current = n;
      setFrameState(n);
    },
    [N],
  );

  // Masks of the current frame and its neighbours, from REST (live changes come by socket).
  const loadMasks = useCallback(
    async (f: number) => {
      if (f < 0 || f >= N || store.loadedFrames.has(f)) return;
      const epoch = store.beginFrameLoad(f);
      try {
        const rows = await api<RestMask[]>(`/api/videos/${video.id}/masks/?frame=${f}`);
        store.loadFrameMasks(f, rows, epoch);
      } catch {
        store.failFrameLoad(f);
      }
    },
    [N, store, video.id],
  );
  useEffect(() => {
    if (!joined) return;
    loadMasks(frame);
    const ahead = playing ? Math.ceil(fps) : 6;
    let cancelled = false;
    (async () => {
      for (let d = 1; d <= ahead && !cancelled; d++) {
        await loadMasks(frame + d);
        if (d <= 2) await loadMasks(frame - d);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [frame, playing, fps, cache, loadMasks, joined]);
  useEffect(() => {
    cache.prefetch(frame, playing ? Math.ceil(fps * 2) : 24, playing ? 2 : 8);
  }, [frame, playing, fps, cache]);
  // Objects created later (someone else's) may already have masks on loaded frames.
  const objectCount = store.objects.size;
  useEffect(() => {
    if (objectCount === 0 || !joined) return;
    // The REST rows of those frames were filtered by the objects known at the time.
    store.loadedFrames.clear();
    loadMasks(frameRef.current);
  }, [objectCount, store, loadMasks, joined]);

  // Keep ?frame=N in the URL (deep links), without a history entry per frame.
  useEffect(() => {
    const t = setTimeout(() => {
      if (params.get("frame") !== String(frame)) setParams({ frame: String(frame) }, { replace: true });
    }, 300);
    return () => clearTimeout(t);
  }, [frame]); // eslint-disable-line react-hooks/exhaustive-deps

  // Presence: where I am, throttled; re-sent after every (re)connect.
  const conn = ctl.connection;
  useEffect(() => {
    const t = setTimeout(() => ctl.presence(frame), playing ? 500 : 120);
    return () => clearTimeout(t);
  }, [frame, selected, conn, ctl, playing]);

  // Playback at the video's fps; waits (does not skip) on frames that are not cached yet.
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

  // Performance: masks message → overlay painted (read by the Playwright speed test).
  const onPainted = useCallback(
    (s: { objects: number; area: number; ms: number; frame: number }) => {
      const mark = ctl.takePendingMark(s.frame);
      if (!mark) return;
      const measure = performance.measure("maskflow:masks-to-overlay", mark.name);
      performance.clearMarks(mark.name);
      const paints = window.__maskflow?.paints;
      if (paints) {
        paints.push({ seq: mark.seq, frame: s.frame, ms: measure.duration, objects: s.objects, area: s.area });
        if (paints.length > 2000) paints.splice(0, 1000);
      }
      if (performance.getEntriesByName("maskflow:masks-to-overlay").length > 2000) {
        performance.clearMeasures("maskflow:masks-to-overlay");
      }
    },
    [ctl],
  );

  const selectObject = useCallback((oid: number) => ctl.select(oid), [ctl]);

  // A finished brush/eraser stroke or polygon: the object's whole new mask on that frame.
  const onMaskEdit = useCallback(
    (f: number, objectId: number | null, mask: Mask) => ctl.setMask(f, objectId, maskToRle(mask, H, W), newLabel),
    [ctl, H, W, newLabel],
  );
  /** Fill holes / remove specks under `cleanSize` pixels on the selected object's frame. */
  const cleanUp = useCallback(
    (what: "holes" | "specks") => {
      const id = ctl.selected;
      const f = frameRef.current;
      if (!canAnnotate || id === null) return;
      const entry = store.masksAt(f)?.get(id);
      if (!entry || entry.empty) {
        toast("info", "The selected object has no mask on this frame.");
        return;
      }
      const mask = editableMask(entry.rle, H, W);
      const n = what === "holes" ? fillHoles(mask, H, W, cleanSize) : removeSpecks(mask, H, W, cleanSize);
      if (n === 0) {
        toast("info", what === "holes" ? `No holes of at most ${cleanSize} px.` : `No specks under ${cleanSize} px.`);
        return;
      }
      void ctl.setMask(f, id, maskToRle(mask, H, W));
      toast("success", what === "holes" ? `Filled ${n} px of holes.` : `Removed ${n} px of specks.`);
    },
    [ctl, store, H, W, cleanSize, canAnnotate, toast],
  );

  const propagate = useCallback(
    (direction: Direction) => {
      if (!canAnnotate) return;
      ctl.propagate(frameRef.current, direction, onlySelected);
    },
    [ctl, canAnnotate, onlySelected],
  );

  // Keyboard shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) {
        if (t.getAttribute("type") !== "range") return;
      }
      if (e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      const f = frameRef.current;
      const objs = store.sortedObjects();
      switch (e.key) {
        case "ArrowLeft":
          setPlaying(false);
          setFrame(f - (e.shiftKey ? 10 : 1));
          break;
        case "ArrowRight":
          setPlaying(false);
          setFrame(f + (e.shiftKey ? 10 : 1));
          break;
        case "Home":
          setFrame(0);
          break;
        case "End":
          setFrame(N - 1);
          break;
        case " ":
          setPlaying((p) => !p);
          break;
        case "n":
        case "N":
          if (canAnnotate) ctl.createObject(newLabel);
          break;
        case "p":
        case "P":
          propagate(e.shiftKey ? "forward" : "both");
          break;
        case "z":
        case "Z":
          if (canAnnotate) ctl.undo(f).then((ok) => !ok && toast("info", "Nothing to undo on this frame."));
          break;
        case "c":
        case "C":
          if (canAnnotate && ctl.selected !== null) ctl.clearFrame(f);
          break;
        case "h":
        case "H":
          if (ctl.selected !== null) store.setHidden(ctl.selected, !store.hidden.has(ctl.selected));
          break;
        case "v":
        case "V":
          setTool("prompt");
          break;
        case "b":
        case "B":
          if (canAnnotate) setTool("brush");
          break;
        case "e":
        case "E":
          if (canAnnotate) setTool("eraser");
          break;
        case "g":
        case "G":
          if (canAnnotate) setTool("polygon");
          break;
        case ",":
        case "<":
          setBrushRadius(brushRadius / 1.25);
          break;
        case ".":
        case ">":
          setBrushRadius(brushRadius * 1.25);
          break;
        case "[":
          setOpacity((o) => Math.max(0, Math.round((o - 0.1) * 10) / 10));
          break;
        case "]":
          setOpacity((o) => Math.min(1, Math.round((o + 0.1) * 10) / 10));
          break;
        case "Escape":
          // Deselect, so the next click starts a new object; propagation has its own Cancel.
          if (help) setHelp(false);
          else ctl.select(null);
          break;
        case "?":
          setHelp((h) => !h);
          break;
        default:
          if (/^[1-9]$/.test(e.key) && objs[Number(e.key) - 1]) ctl.select(objs[Number(e.key) - 1].id);
          else return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ctl, store, N, setFrame, canAnnotate, newLabel, propagate, help, toast, brushRadius, setBrushRadius]);

  // Stable between store changes, so memoised children skip playhead-only renders.
  const objects = useMemo(() => store.sortedObjects(), [store, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const frameMasks = store.masksAt(frame);
  const maskCounts = new Map<number, number>();
  for (const [oid, t] of store.tracks) maskCounts.set(oid, t.maskFrames.size);
  const prop = store.propagation;
  const randomWeights = store.model?.random_weights ?? model?.random_weights ?? false;
  const others = store.users.filter((u) => u.username !== store.you);
  const objName = (oid: number | null) => (oid !== null ? store.objects.get(oid)?.name : undefined);

  return (
    <div className="editor" data-role={role ?? ""} data-connection={conn}>
      <TopBar
        crumbs={[
          { label: "Projects", to: "/" },
          { label: project.name, to: `/projects/${project.id}` },
          { label: video.name },
        ]}
      >
        <div className="presence" data-testid="presence">
          {store.users.map((u) => (
            <span
              key={u.username}
              className={`avatar ${u.username === store.you ? "avatar-me" : ""}`}
              style={{ background: colorFor(u.username) }}
              title={`${u.username}${u.username === store.you ? " (you)" : ""} · frame ${u.frame ?? "–"}${objName(u.object_id) ? ` · ${objName(u.object_id)}` : ""}`}
              data-username={u.username}
            >
              {u.username.slice(0, 1).toUpperCase()}
            </span>
          ))}
        </div>
        <span className={`conn conn-${conn}`} data-testid="connection" data-state={conn}>
          <span className="conn-dot" />
          {CONN_LABEL[conn]}
          {(conn === "reconnecting" || conn === "failed") && (
            <button className="btn btn-ghost btn-sm" onClick={() => ctl.client.reconnectNow()}>
              Retry
            </button>
          )}
        </span>
        <button className="btn btn-ghost btn-sm" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          ?
        </button>
      </TopBar>
      {randomWeights && (
        <div className="banner banner-warn" data-testid="random-weights-banner">
          <strong>model: random weights</strong> — {store.model?.name ?? model?.model ?? "SAM 2"} is running without a
          checkpoint, so masks are not meaningful. Set <code>SAM2_CHECKPOINT</code> to load trained weights.
        </div>
      )}
      {conn === "failed" && (
        <div className="banner banner-error">
          The server closed the live connection ({ctl.client.failure?.reason}). Edits are disabled until you reconnect.
        </div>
      )}
      <div className="editor-body">
        <div className="toolrail">
          {canAnnotate ? (
            <>
              <div className="tools" role="toolbar" aria-label="Tools">
                {TOOLS.map(([t, label, key]) => (
                  <button
                    key={t}
                    className={`tool-btn ${tool === t ? "active" : ""}`}
                    onClick={() => setTool(t)}
                    title={`${label} (${key})`}
                    aria-pressed={tool === t}
                    data-testid={`tool-${t}`}
                  >
                    {label} <kbd>{key}</kbd>
                  </button>
                ))}
              </div>
              {tool === "prompt" && (
                <div className="tool-hint">
                  <div><span className="dot pos" /> click: add</div>
                  <div><span className="dot neg" /> right-click: remove</div>
                  <div><span className="box-icon" /> drag: box</div>
                </div>
              )}
              {(tool === "brush" || tool === "eraser") && (
                <label className="slider-field" title="Brush size (, and . or Shift+wheel)">
                  <span>Size {Math.round(brushRadius * 2)} px</span>
                  <input
                    type="range"
                    min={1}
                    max={maxRadius}
                    step={0.5}
                    value={brushRadius}
                    onChange={(e) => setBrushRadius(Number(e.target.value))}
                    data-testid="brush-size"
                  />
                  <span className="muted small">right button: {tool === "brush" ? "erase" : "paint"}</span>
                </label>
              )}
              {tool === "polygon" && (
                <div className="tool-hint">
                  <div>click: add a vertex</div>
                  <div>first vertex / Enter: fill</div>
                  <div>Backspace: undo vertex</div>
                  <div>Esc: cancel</div>
                </div>
              )}
              <button className="btn btn-sm" onClick={() => ctl.undo(frame)} disabled={selected === null} title="Undo last prompt (Z)" data-testid="undo">
                Undo
              </button>
              <button className="btn btn-sm" onClick={() => ctl.clearFrame(frame)} disabled={selected === null} title="Clear prompts on this frame (C)" data-testid="clear-frame">
                Clear frame
              </button>
              <div className="cleanup" title="On the selected object's mask on this frame">
                <span className="cleanup-head">Clean up (this frame)</span>
                <label className="cleanup-size">
                  <span>size ≤</span>
                  <input
                    type="number"
                    min={1}
                    value={cleanSize}
                    onChange={(e) => setCleanSize(Math.max(1, Math.round(Number(e.target.value) || 1)))}
                    data-testid="clean-size"
                  />
                  <span>px</span>
                </label>
                <button className="btn btn-sm" onClick={() => cleanUp("holes")} disabled={selected === null} data-testid="fill-holes" title="Fill holes of at most this many pixels">
                  Fill holes
                </button>
                <button className="btn btn-sm" onClick={() => cleanUp("specks")} disabled={selected === null} data-testid="remove-specks" title="Remove pieces smaller than this many pixels">
                  Remove specks
                </button>
              </div>
            </>
          ) : (
            <div className="view-only" data-testid="view-only">
              View only
              <span className="muted small">{role ?? "no role"}</span>
            </div>
          )}
          <label className="slider-field" title="Mask opacity ([ and ])">
            <span>Opacity {Math.round(opacity * 100)}%</span>
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} data-testid="opacity" />
          </label>
          <label className="check">
            <input type="checkbox" checked={showPrompts} onChange={(e) => setShowPrompts(e.target.checked)} />
            Show clicks
          </label>
          <div className="toolrail-foot">
            {selected !== null && store.objects.get(selected) && (
              <div className="active-object" title="Clicks go to this object">
                <span className="swatch" style={{ background: store.objects.get(selected)!.color }} />
                {store.objects.get(selected)!.name}
              </div>
            )}
            {selected === null && canAnnotate && <div className="muted small">A click starts a new object.</div>}
            <button className="link-btn small" onClick={() => setHelp(true)}>
              Shortcuts <kbd>?</kbd>
            </button>
          </div>
        </div>
        <Stage
          width={W}
          height={H}
          frame={frame}
          cache={cache}
          store={store}
          version={version}
          selected={selected}
          opacity={opacity}
          showPrompts={showPrompts}
          editable={canAnnotate && (conn === "open" || conn === "syncing")}
          onClick={(x, y, label) => ctl.click(frame, x, y, label, newLabel)}
          onBox={(x0, y0, x1, y1) => ctl.box(frame, x0, y0, x1, y1, newLabel)}
          onPainted={onPainted}
          tool={canAnnotate ? tool : "prompt"}
          brushRadius={brushRadius}
          onBrushRadius={setBrushRadius}
          onMaskEdit={onMaskEdit}
          newColor={nextColor(objects.map((o) => o.color))}
        />
        <aside className="sidebar">
          <ObjectPanel
            objects={objects}
            labels={project.labels}
            selected={selected}
            hidden={store.hidden}
            frameMasks={frameMasks}
            maskCounts={maskCounts}
            canAnnotate={canAnnotate}
            canReview={canReview}
            newLabel={newLabel}
            setNewLabel={setNewLabel}
            ctl={ctl}
            onToggleHidden={(oid) => store.setHidden(oid, !store.hidden.has(oid))}
          />
          <div className="panel">
            <div className="panel-head">
              <h3>Propagate</h3>
              {prop?.running && prop.by && <span className="muted small">by {prop.by}</span>}
            </div>
            <div className="btn-group">
              <button className="btn btn-sm" disabled={!canAnnotate || prop?.running} onClick={() => propagate("backward")} title="Backward" data-testid="propagate-backward">
                ◀ Back
              </button>
              <button className="btn btn-sm btn-primary" disabled={!canAnnotate || prop?.running} onClick={() => propagate("both")} title="Both directions (P)" data-testid="propagate-both">
                ◀ Both ▶
              </button>
              <button className="btn btn-sm" disabled={!canAnnotate || prop?.running} onClick={() => propagate("forward")} title="Forward (Shift+P)" data-testid="propagate-forward">
                Fwd ▶
              </button>
            </div>
            <label className="check small">
              <input type="checkbox" checked={onlySelected} disabled={!canAnnotate} onChange={(e) => setOnlySelected(e.target.checked)} />
              Only the selected object
            </label>
            {prop && (
              <div className="prop-status" data-testid="propagation" data-running={prop.running ? "1" : "0"} data-done={prop.done} data-total={prop.total}>
                <ProgressBar
                  value={prop.total ? (prop.done / prop.total) * 100 : prop.running ? 0 : 100}
                  label={
                    prop.running
                      ? `${prop.done} / ${prop.total || "…"} frames`
                      : `${prop.result === "done" ? "Done" : prop.result} · ${prop.done}/${prop.total}`
                  }
                  testId="propagation-progress"
                />
                {prop.running && (
                  <button className="btn btn-sm btn-danger" onClick={() => ctl.cancelPropagation()} disabled={!canAnnotate} data-testid="propagate-cancel">
                    Cancel
                  </button>
                )}
              </div>
            )}
          </div>
          <div className="panel">
            <div className="panel-head">
              <h3>In this video</h3>
              <span className="muted small">{store.users.length}</span>
            </div>
            <ul className="people">
              {store.users.map((u) => (
                <li key={u.username} data-testid="presence-user" data-username={u.username}>
                  <span className="avatar sm" style={{ background: colorFor(u.username) }}>
                    {u.username.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="grow">
                    {u.username}
                    {u.username === store.you && <span className="muted"> (you)</span>}
                  </span>
                  {u.frame !== null && u.username !== store.you ? (
                    <button className="link-btn small" onClick={() => setFrame(u.frame!)}>
                      frame {u.frame}
                      {objName(u.object_id) ? ` · ${objName(u.object_id)}` : ""}
                    </button>
                  ) : (
                    <span className="muted small">frame {u.frame ?? "–"}</span>
                  )}
                </li>
              ))}
              {others.length === 0 && <li className="muted small">Nobody else is here.</li>}
            </ul>
          </div>
        </aside>
      </div>
      <div className="transport">
        <button className="icon-btn" onClick={() => setFrame(frame - 1)} title="Previous frame (←)" aria-label="Previous frame">
          <svg viewBox="0 0 24 24" width="18" height="18"><path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
        </button>
        <button className="play-btn" onClick={() => setPlaying((p) => !p)} title="Play / pause (Space)" data-testid="play" aria-label={playing ? "Pause" : "Play"}>
          {playing ? (
            <svg viewBox="0 0 24 24" width="18" height="18"><path d="M7 5h3v14H7zM14 5h3v14h-3z" fill="currentColor" /></svg>
          ) : (
            <svg viewBox="0 0 24 24" width="18" height="18"><path d="M8 5v14l11-7z" fill="currentColor" /></svg>
          )}
        </button>
        <button className="icon-btn" onClick={() => setFrame(frame + 1)} title="Next frame (→)" aria-label="Next frame">
          <svg viewBox="0 0 24 24" width="18" height="18"><path d="M9 6l6 6-6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
        </button>
        <div className="frame-readout">
          <span className="muted">frame</span>
          <input
            className="frame-input"
            type="number"
            min={0}
            max={N - 1}
            value={frame}
            onChange={(e) => setFrame(Number(e.target.value))}
            data-testid="frame-input"
          />
          <span className="muted">/ {N - 1}</span>
          <span className="time" data-testid="time">
            {formatTime(frameTime(frame, fps, video.timestamps))} <span className="muted">/ {formatDuration(N / fps)}</span>
          </span>
        </div>
        <input
          className="scrubber"
          type="range"
          min={0}
          max={N - 1}
          step={1}
          value={frame}
          onChange={(e) => {
            setPlaying(false);
            setFrame(Number(e.target.value));
          }}
          data-testid="scrubber"
          aria-label="Frame"
        />
        <span className="muted small fps">{Math.round(fps * 100) / 100} fps</span>
      </div>
      <Timeline
        numFrames={N}
        frame={frame}
        objects={objects}
        tracks={store.tracks}
        selected={selected}
        users={store.users}
        you={store.you}
        version={version}
        propagatingFrame={prop?.running ? prop.frame : null}
        onSeek={(f) => {
          setPlaying(false);
          setFrame(f);
        }}
        onSelect={selectObject}
      />
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
