// The transport bar: previous/play/next, the frame number and time, the scrubber.
import type { Dispatch, SetStateAction } from "react";
import { formatDuration, formatTime, frameTime } from "./time";

export default function Transport({
  frame,
  numFrames: N,
  fps,
  timestamps,
  playing,
  setPlaying,
  setFrame,
  seek,
}: {
  frame: number;
  numFrames: number;
  fps: number;
  timestamps?: number[] | null;
  playing: boolean;
  setPlaying: Dispatch<SetStateAction<boolean>>;
  setFrame: (f: number) => void;
  seek: (f: number) => void;
}) {
  return (
    <div className="transport">
      <button className="icon-btn" onClick={() => setFrame(frame - 1)} title="Previous frame (←)" aria-label="Previous frame">
        <svg viewBox="0 0 24 24" width="18" height="18"><path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
      </button>
      <button className="play-btn" onClick={() => setPlaying((p) => !p)} title="Play / pause (Space)" data-testid="play" aria-label={playing ? "Pause" : "Play"}>
        {playing ? (
          <svg viewBox="0 0 24 24" width="18" height="18"><path d="M7 5h3v14H7zM14 5h3v14h-3z" fill="currentColor" /></svg>
        ) : (
          <svg viewBox="0 0 24 24" width="18" height="18"><path d="M8 5v14l11-7z" fill="currentColor" /></svg>
        )}
      </button>
      <button className="icon-btn" onClick={() => setFrame(frame + 1)} title="Next frame (→)" aria-label="Next frame">
        <svg viewBox="0 0 24 24" width="18" height="18"><path d="M9 6l6 6-6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
      </button>
      <div className="frame-readout">
        <span className="muted">frame</span>
        <input
          className="frame-input"
          type="number"
          min={0}
          max={N - 1}
          value={frame}
          onChange={(e) => setFrame(Number(e.target.value))}
          data-testid="frame-input"
        />
        <span className="muted">/ {N - 1}</span>
        <span className="time" data-testid="time">
          {formatTime(frameTime(frame, fps, timestamps))} <span className="muted">/ {formatDuration(N / fps)}</span>
        </span>
      </div>
      <input
        className="scrubber"
        type="range"
        min={0}
        max={N - 1}
        step={1}
        value={frame}
        onChange={(e) => seek(Number(e.target.value))}
        data-testid="scrubber"
        aria-label="Frame"
      />
      <span className="muted small fps">{Math.round(fps * 100) / 100} fps</span>
    </div>
  );
}
