// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { controlOwnsKey } from "./keys";

const input = (type: string) => Object.assign(document.createElement("input"), { type });

describe("controlOwnsKey", () => {
  it("lets app shortcuts through a slider, except the keys that move it", () => {
    const slider = input("range");
    for (const k of ["0", "Escape", "z", "p", "[", "?"]) expect(controlOwnsKey(slider, k)).toBe(false);
    for (const k of ["ArrowLeft", "ArrowRight", "Home", "End", "PageUp"]) expect(controlOwnsKey(slider, k)).toBe(true);
  });

  it("lets them through a checkbox or button, which keep only Space and Enter", () => {
    for (const el of [input("checkbox"), document.createElement("button")]) {
      expect(controlOwnsKey(el, "Escape")).toBe(false);
      expect(controlOwnsKey(el, "0")).toBe(false);
      expect(controlOwnsKey(el, "ArrowRight")).toBe(false);
      expect(controlOwnsKey(el, " ")).toBe(true);
    }
  });

  it("leaves every key to text fields, and none to the page", () => {
    for (const el of [input("text"), input("number"), document.createElement("textarea")]) {
      expect(controlOwnsKey(el, "0")).toBe(true);
      expect(controlOwnsKey(el, "Escape")).toBe(true);
    }
    expect(controlOwnsKey(document.body, "0")).toBe(false);
    expect(controlOwnsKey(null, "0")).toBe(false);
    expect(controlOwnsKey(window, "0")).toBe(false);
  });
});
