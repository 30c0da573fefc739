// Undo and redo as the user sees them (Z / Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y, the rail's buttons):
// the controller does the work; this says what happened, and selects the object undone when
// it was not the selected one (the frame's last prompt of this user, on another object).
import { useCallback } from "react";
import type { EditorController } from "./controller";

type Notify = (kind: "info", text: string) => void;

function nameOf(ctl: EditorController, id: number): string {
  return ctl.store.objects.get(id)?.name ?? `object ${id}`;
}

export async function undoWithNotice(ctl: EditorController, frame: number, toast: Notify): Promise<void> {
  const before = ctl.selected;
  const id = await ctl.undo(frame);
  if (id === null) {
    toast("info", "Nothing of yours to undo on this frame.");
    return;
  }
  if (id !== before) {
    ctl.select(id);
    toast("info", `Undid your last prompt on this frame (${nameOf(ctl, id)}).`);
  }
}

export async function redoWithNotice(ctl: EditorController, frame: number, toast: Notify): Promise<void> {
  const r = await ctl.redo(frame);
  if (r === null) toast("info", "Nothing to redo on this frame.");
  else if (r === "stale") toast("info", "Cannot redo: the object was prompted on this frame since.");
  else if (r !== ctl.selected) ctl.select(r);
}

export function useUndo(ctl: EditorController, frameRef: { current: number }, canAnnotate: boolean, toast: Notify) {
  const undo = useCallback(() => {
    if (canAnnotate) void undoWithNotice(ctl, frameRef.current, toast);
  }, [ctl, frameRef, canAnnotate, toast]);
  const redo = useCallback(() => {
    if (canAnnotate) void redoWithNotice(ctl, frameRef.current, toast);
  }, [ctl, frameRef, canAnnotate, toast]);
  return { undo, redo };
}
