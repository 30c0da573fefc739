// The editor's "Import / Evaluate" drawer: import an annotation file into this video, and
// compare two annotation sets with J&F. Keys typed here stay here (no editor shortcuts);
// Esc closes it.
import { useEffect, useRef, useState } from "react";
import type { ImportJob } from "../../api/evaluate";
import EvaluatePanel, { type EvalObject } from "./EvaluatePanel";
import ImportPanel from "./ImportPanel";
import "../../components/jobStatus.css";
import "./evaluate.css";

export default function ImportEvaluateDrawer({
  videoId,
  projectId,
  numFrames,
  objects,
  canAnnotate,
  canEvaluate,
  onOpenFrame,
  onClose,
}: {
  videoId: number;
  projectId: number;
  numFrames: number;
  objects: EvalObject[];
  canAnnotate: boolean;
  canEvaluate: boolean;
  onOpenFrame: (frame: number, objectId?: number) => void;
  onClose: () => void;
}) {
  const [imports, setImports] = useState<ImportJob[]>([]);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <div className="drawer-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="drawer"
        role="dialog"
        aria-label="Import and evaluate"
        tabIndex={-1}
        ref={box}
        data-testid="evaluate-drawer"
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === "Escape") onClose();
        }}
      >
        <div className="drawer-head">
          <h2>Import / Evaluate</h2>
          <button className="icon-btn" onClick={onClose} aria-label="Close" data-testid="evaluate-close">
            ×
          </button>
        </div>
        <ImportPanel videoId={videoId} numFrames={numFrames} canAnnotate={canAnnotate} onImports={setImports} />
        <EvaluatePanel
          videoId={videoId}
          projectId={projectId}
          objects={objects}
          imports={imports}
          canEvaluate={canEvaluate}
          onOpenFrame={onOpenFrame}
        />
      </div>
    </div>
  );
}
