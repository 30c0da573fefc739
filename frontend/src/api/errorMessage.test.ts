import { describe, expect, it } from "vitest";
import { errorMessage } from "./client";

describe("errorMessage", () => {
  it("drops a raw field key the sentence already names", () => {
    expect(errorMessage({ username: ["A user with that username already exists."] }, 400)).toBe(
      "A user with that username already exists.",
    );
    expect(errorMessage({ labels: ["label names must be unique: car"] }, 400)).toBe("label names must be unique: car");
  });

  it("names other fields in words, never as the raw key", () => {
    expect(errorMessage({ max_frames: ["Ensure this value is less than or equal to 100."] }, 400)).toBe(
      "Max frames: Ensure this value is less than or equal to 100.",
    );
    expect(errorMessage({ labels: [{ color: ["Enter a valid colour."] }] }, 400)).toBe("Labels: Color: Enter a valid colour.");
  });

  it("keeps detail and non-field messages as they are", () => {
    expect(errorMessage({ detail: "Not a member." }, 403)).toBe("Not a member.");
    expect(errorMessage({ non_field_errors: ["Passwords differ."] }, 400)).toBe("Passwords differ.");
    expect(errorMessage(null, 413)).toBe("The file is too large for this server.");
  });
});
