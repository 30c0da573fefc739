// Time readouts of the editor and the project page.

export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${String(m).padStart(2, "0")}:${s.toFixed(3).padStart(6, "0")}`;
}

/** A frame's time in seconds: its decoded timestamp when the video has them (exact for
 *  variable frame rates; counted from the first frame), else frame / fps. */
export function frameTime(frame: number, fps: number, timestamps?: number[] | null): number {
  const t = timestamps?.[frame];
  if (typeof t === "number" && Number.isFinite(t)) return Math.max(0, t - (timestamps![0] ?? 0));
  return frame / fps;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}
