import { describe, expect, it } from "vitest";
import { formatTime, frameTime } from "./time";

describe("frame time", () => {
  it("formats minutes, seconds and milliseconds", () => {
    expect(formatTime(0)).toBe("00:00.000");
    expect(formatTime(1.25)).toBe("00:01.250");
    expect(formatTime(61.5)).toBe("01:01.500");
  });

  it("falls back to frame / fps without timestamps", () => {
    expect(frameTime(30, 24)).toBe(1.25);
    expect(frameTime(30, 24, [])).toBe(1.25);
    expect(frameTime(30, 24, null)).toBe(1.25);
  });

  it("uses the frame's timestamp for variable frame rate videos", () => {
    const ts = [0, 0.04, 0.2, 0.21, 1.5];
    expect(formatTime(frameTime(2, 25, ts))).toBe("00:00.200");
    expect(formatTime(frameTime(4, 25, ts))).toBe("00:01.500");
    // Past the list (should not happen): frame / fps.
    expect(frameTime(10, 25, ts)).toBe(0.4);
  });

  it("counts from the first frame when the stream starts late", () => {
    expect(formatTime(frameTime(0, 24, [10, 10.5, 11]))).toBe("00:00.000");
    expect(formatTime(frameTime(2, 24, [10, 10.5, 11]))).toBe("00:01.000");
  });
});
