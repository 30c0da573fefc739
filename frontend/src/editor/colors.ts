// The colour an object is drawn in: its label's colour when it has a label (so every "person"
// is drawn in the project's person colour, and a relabel recolours it at once), else its own.
import type { LabelClass } from "../api/types";
import type { ObjectOut } from "../protocol/messages";

const HEX = /^#[0-9a-f]{6}$/i;

export function labelColors(labels: LabelClass[]): Map<string, string> {
  return new Map(labels.filter((l) => HEX.test(l.color ?? "")).map((l) => [l.name, l.color]));
}

export function displayColor(o: Pick<ObjectOut, "label" | "color">, byLabel: Map<string, string>): string {
  return (o.label != null && byLabel.get(o.label)) || o.color;
}

/** The objects with `color` replaced by the colour they are drawn in (same object when equal). */
export function recolor(objects: ObjectOut[], byLabel: Map<string, string>): ObjectOut[] {
  return objects.map((o) => {
    const c = displayColor(o, byLabel);
    return c === o.color ? o : { ...o, color: c };
  });
}
