// The editor's keyboard shortcuts (listed for users in HelpOverlay).
import { useEffect, type Dispatch, type SetStateAction } from "react";
import type { Direction } from "../protocol/wire";
import type { EditorController } from "./controller";
import { controlOwnsKey } from "./keys";
import type { Tool } from "./Stage";

export interface ShortcutTargets {
  ctl: EditorController;
  numFrames: number;
  frameRef: { current: number };
  setFrame: (f: number) => void;
  setPlaying: Dispatch<SetStateAction<boolean>>;
  canAnnotate: boolean;
  newLabel: string | null;
  propagate: (direction: Direction) => void;
  help: boolean;
  setHelp: Dispatch<SetStateAction<boolean>>;
  setTool: (t: Tool) => void;
  brushRadius: number;
  setBrushRadius: (r: number) => void;
  setOpacity: Dispatch<SetStateAction<number>>;
  /** Z / Ctrl+Z, and Shift+Z / Ctrl+Shift+Z / Ctrl+Y (useUndo). */
  undo: () => void;
  redo: () => void;
}

export function useShortcuts(k: ShortcutTargets) {
  const { ctl, numFrames: N, frameRef, setFrame, setPlaying, canAnnotate, newLabel, propagate } = k;
  const { help, setHelp, setTool, brushRadius, setBrushRadius, setOpacity, undo, redo } = k;
  useEffect(() => {
    const store = ctl.store;
    const onKey = (e: KeyboardEvent) => {
      // A focused control keeps only the keys it uses (a slider its arrows, a checkbox Space).
      if (e.defaultPrevented || controlOwnsKey(e.target, e.key)) return;
      if (e.ctrlKey || e.metaKey) {
        const key = e.key.toLowerCase();
        if (key === "z" && !e.shiftKey && !e.altKey) undo();
        else if ((key === "z" && e.shiftKey) || (key === "y" && !e.shiftKey)) redo();
        else return;
        e.preventDefault();
        return;
      }
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
          if (e.shiftKey) redo();
          else undo();
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
  }, [ctl, N, frameRef, setFrame, setPlaying, canAnnotate, newLabel, propagate, help, setHelp, setTool, undo, redo, brushRadius, setBrushRadius, setOpacity]);
}
