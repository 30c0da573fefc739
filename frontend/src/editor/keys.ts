// Which keys a focused control keeps for itself. The editor's shortcuts listen on the window;
// a control that had focus (the opacity slider after a drag, a checkbox after a click) must not
// swallow the shortcuts it has no use for (0, Esc, Z, P...), and a shortcut must not also act
// on a key the control does use (the slider's arrows, a text field's letters).

/** Keys a slider (input type=range) moves with. */
const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
/** Keys a button, checkbox or radio acts on. */
const PRESS_KEYS = new Set([" ", "Enter"]);
const PRESSABLE = new Set(["checkbox", "radio", "button", "submit", "reset", "color", "file"]);

/** True when the focused element `t` uses `key` itself, so an app shortcut must leave it be. */
export function controlOwnsKey(t: EventTarget | null, key: string): boolean {
  const el = t as HTMLElement | null;
  if (!el || typeof el.tagName !== "string") return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
  if (el.tagName === "SELECT") return key !== "Escape" && key !== "Tab";
  if (el.tagName === "BUTTON") return PRESS_KEYS.has(key);
  if (el.tagName !== "INPUT") return false;
  const type = (el.getAttribute("type") ?? "text").toLowerCase();
  if (type === "range") return SLIDER_KEYS.has(key);
  if (PRESSABLE.has(type)) return PRESS_KEYS.has(key);
  return true; // text, number, search...: every key types or edits
}
