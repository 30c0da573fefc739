import { describe, expect, it } from "vitest";
import { PALETTE } from "../../api/projectRules";
import { nextColour } from "./LabelsCard";

describe("nextColour", () => {
  it("proposes the first palette colour no label uses", () => {
    expect(nextColour([])).toBe(PALETTE[0]);
    expect(nextColour([{ color: PALETTE[0] }, { color: PALETTE[1].toUpperCase() }])).toBe(PALETTE[2]);
  });
  it("goes round the palette once every colour is taken", () => {
    const all = PALETTE.map((color) => ({ color }));
    expect(nextColour(all)).toBe(PALETTE[all.length % PALETTE.length]);
  });
});
