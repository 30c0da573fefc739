// Masklet operations in the editor: the per-object menu button (ObjectPanel's `menu` slot),
// its dialog, and the keys (listed in HelpOverlay): K / Shift+K next / previous prompted frame,
// J / Shift+J next / previous frame where the selected object has no mask, S split the
// selected object at this frame, D duplicate it, U merge it into another, X clear a range.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import type { ObjectOut } from "../protocol/messages";
import type { EditorController } from "./controller";
import { controlOwnsKey } from "./keys";
import MaskletDialog, { type DialogMode } from "./MaskletDialog";
import { Masklets, objectName, stepGap, stepPrompted } from "./masklets";
import type { Toast } from "./useRoom";

export interface MaskletTargets {
  ctl: EditorController;
  objects: ObjectOut[];
  frame: number;
  frameRef: { current: number };
  seek: (f: number) => void;
  numFrames: number;
  canAnnotate: boolean;
  toast: Toast;
}

export function useMasklets(k: MaskletTargets): { menuFor: (o: ObjectOut) => ReactNode; dialog: ReactNode } {
  const { ctl, objects, frame, frameRef, seek, numFrames: N, canAnnotate, toast } = k;
  const store = ctl.store;
  const m = useMemo(() => new Masklets(ctl.client, ctl.store, (msg) => toast("error", msg)), [ctl, toast]);
  const [open, setOpen] = useState<{ objectId: number; mode: DialogMode } | null>(null);
  const [, bump] = useState(0); // the undo entry changed

  const name = useCallback((id: number) => objectName(store.objects.get(id), id), [store]);
  const split = useCallback(
    async (id: number, f: number) => {
      const to = await m.split(id, f);
      if (to !== null) {
        ctl.select(to);
        toast("success", `Split “${name(id)}” at frame ${f}: frames ${f}+ are now “${name(to)}” (undo in the object's ⋯ menu).`);
      }
      bump((n) => n + 1);
    },
    [m, ctl, toast, name],
  );
  const duplicate = useCallback(
    async (id: number) => {
      const copy = await m.duplicate(id);
      if (copy !== null) toast("success", `Duplicated “${name(id)}” as “${name(copy)}”.`);
      bump((n) => n + 1);
    },
    [m, toast, name],
  );
  const jump = useCallback(
    (what: "prompt" | "gap", dir: 1 | -1) => {
      const sel = ctl.selected;
      const f = frameRef.current;
      if (what === "gap" && sel === null) {
        toast("info", "Select an object first: J finds the frames where it has no mask.");
        return;
      }
      const to = what === "prompt" ? stepPrompted(store, sel, f, dir) : stepGap(store, sel as number, f, N, dir);
      if (to === null) {
        const whose = sel === null ? "any object" : `“${name(sel)}”`;
        toast("info", what === "prompt" ? `No prompted frame of ${whose} ${dir > 0 ? "after" : "before"} this one.` : `${whose} has a mask on every frame ${dir > 0 ? "after" : "before"} this one.`);
      } else seek(to);
    },
    [ctl, store, frameRef, N, seek, toast, name],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || controlOwnsKey(e.target, e.key)) return;
      const key = e.key.toLowerCase();
      const sel = ctl.selected;
      if (key === "k") jump("prompt", e.shiftKey ? -1 : 1);
      else if (key === "j") jump("gap", e.shiftKey ? -1 : 1);
      else if (!canAnnotate || e.shiftKey || !"sdux".includes(key) || key.length !== 1) return;
      else if (sel === null) toast("info", "Select an object first.");
      else if (key === "s") void split(sel, frameRef.current);
      else if (key === "d") void duplicate(sel);
      else setOpen({ objectId: sel, mode: key === "u" ? "merge" : "clear" });
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ctl, jump, split, duplicate, canAnnotate, frameRef, toast]);

  const menuFor = useCallback(
    (o: ObjectOut) =>
      canAnnotate ? (
        <button
          className="icon-btn"
          title="Masklet: split, merge, clear a range, duplicate"
          aria-label="Masklet operations"
          data-testid="masklet-menu"
          onClick={() => {
            ctl.select(o.id); // the dialog's jumps and keys act on it
            setOpen({ objectId: o.id, mode: "menu" });
          }}
        >
          ⋯
        </button>
      ) : null,
    [canAnnotate, ctl],
  );

  // As listed (drawn in its label's colour), while it exists.
  const target = open && objects.find((o) => o.id === open.objectId);
  const dialog = target ? (
    <MaskletDialog
      object={target}
      objects={objects}
      frame={frame}
      numFrames={N}
      initialMode={open.mode}
      undo={m.lastUndo()}
      name={name}
      onClose={() => setOpen(null)}
      onSplit={() => void split(target.id, frame)}
      onDuplicate={() => void duplicate(target.id)}
      onMerge={(into) => void m.merge(target.id, into).then((ok) => ok && toast("success", `Merged “${name(target.id)}” into “${name(into)}”.`))}
      onClear={(a, b) => void m.clear(target.id, a, b).then((ok) => ok && toast("success", `Cleared “${name(target.id)}” on frames ${Math.min(a, b)}–${Math.max(a, b)}.`))}
      onUndo={() => void m.undo().then((u) => { bump((n) => n + 1); if (u) toast("success", u.kind === "split" ? "Split undone: merged back." : "Duplicate undone: the copy is deleted."); })}
      onJump={jump}
    />
  ) : null;
  return { menuFor, dialog };
}
