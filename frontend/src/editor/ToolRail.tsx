// The left rail: tools and their settings, undo/clear, clean-up, opacity, click display.
import type { EditorController } from "./controller";
import type { Tool } from "./Stage";

/** The tool rail's tools: [tool, label, key]. */
const TOOLS: [Tool, string, string][] = [
  ["prompt", "Click", "V"],
  ["brush", "Brush", "B"],
  ["eraser", "Eraser", "E"],
  ["polygon", "Polygon", "G"],
];

export interface ToolRailProps {
  ctl: EditorController;
  frame: number;
  canAnnotate: boolean;
  /** Reviewers (who cannot annotate) get their own mode: comment, accept, reject. */
  canReview?: boolean;
  role: string | null;
  tool: Tool;
  setTool: (t: Tool) => void;
  brushRadius: number;
  maxRadius: number;
  setBrushRadius: (r: number) => void;
  cleanSize: number;
  setCleanSize: (n: number) => void;
  cleanUp: (what: "holes" | "specks") => void;
  opacity: number;
  setOpacity: (o: number) => void;
  showPrompts: boolean;
  setShowPrompts: (on: boolean) => void;
  onHelp: () => void;
  /** Undo: the selected object's last prompt here, else this user's last one on the frame. */
  undo: () => void;
  redo: () => void;
}

function ToolSettings({ tool, brushRadius, maxRadius, setBrushRadius }: Pick<ToolRailProps, "tool" | "brushRadius" | "maxRadius" | "setBrushRadius">) {
  if (tool === "prompt")
    return (
      <div className="tool-hint">
        <div><span className="dot pos" /> click: add</div>
        <div><span className="dot neg" /> right-click: remove</div>
        <div><span className="box-icon" /> drag: box</div>
      </div>
    );
  if (tool === "polygon")
    return (
      <div className="tool-hint">
        <div>click: add a vertex</div>
        <div>first vertex / Enter: fill</div>
        <div>Backspace: undo vertex</div>
        <div>Esc: cancel</div>
      </div>
    );
  return (
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
  );
}

function AnnotateTools(p: ToolRailProps) {
  const { ctl, frame, tool, setTool, cleanSize, setCleanSize, cleanUp } = p;
  const none = ctl.selected === null;
  return (
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
      <ToolSettings {...p} />
      <div className="btn-group">
        <button className="btn btn-sm" onClick={p.undo} title="Undo the selected object's last prompt on this frame, else your last one here (Z, Ctrl+Z)" data-testid="undo">
          Undo
        </button>
        <button className="btn btn-sm" onClick={p.redo} disabled={!ctl.canRedo(frame)} title="Redo: send the undone prompt again (Ctrl+Shift+Z, Ctrl+Y)" data-testid="redo">
          Redo
        </button>
      </div>
      <button className="btn btn-sm" onClick={() => ctl.clearFrame(frame)} disabled={none} title="Clear prompts on this frame (C)" data-testid="clear-frame">
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
        <button className="btn btn-sm" onClick={() => cleanUp("holes")} disabled={none} data-testid="fill-holes" title="Fill holes of at most this many pixels">
          Fill holes
        </button>
        <button className="btn btn-sm" onClick={() => cleanUp("specks")} disabled={none} data-testid="remove-specks" title="Remove pieces smaller than this many pixels">
          Remove specks
        </button>
      </div>
    </>
  );
}

export default function ToolRail(p: ToolRailProps) {
  const { ctl, canAnnotate, role, opacity, setOpacity, showPrompts, setShowPrompts, onHelp } = p;
  const active = ctl.selected !== null ? ctl.store.objects.get(ctl.selected) : undefined;
  return (
    <div className="toolrail">
      {canAnnotate ? (
        <AnnotateTools {...p} />
      ) : p.canReview ? (
        <div className="review-only" data-testid="review-only">
          Review
          <span className="muted small">comment, accept, reject · masks read-only</span>
        </div>
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
        {active && (
          <div className="active-object" title="Clicks go to this object">
            <span className="swatch" style={{ background: active.color }} />
            {active.name}
          </div>
        )}
        {ctl.selected === null && canAnnotate && <div className="muted small">A click starts a new object.</div>}
        <button className="link-btn small" onClick={onHelp}>
          Shortcuts <kbd>?</kbd>
        </button>
      </div>
    </div>
  );
}
