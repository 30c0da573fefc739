// One track per object: frames with a mask, prompted frames, review state; click to seek.
import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { UserPresence, ObjectOut } from "../protocol/messages";
import { colorFor } from "../components/layout";
import type { Track } from "./store";

interface Props {
  numFrames: number;
  frame: number;
  objects: ObjectOut[];
  tracks: Map<number, Track>;
  selected: number | null;
  users: UserPresence[];
  you: string | null;
  version: number;
  propagatingFrame: number | null;
  onSeek: (frame: number) => void;
  onSelect: (id: number) => void;
}

const LABEL_W = 180;

const TrackCanvas = memo(function TrackCanvas({
  numFrames,
  track,
  color,
  width,
  version,
}: {
  numFrames: number;
  track: Track | undefined;
  color: string;
  width: number;
  version: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    const H = 22;
    c.width = Math.round(width * dpr);
    c.height = Math.round(H * dpr);
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, H);
    ctx.fillStyle = "rgba(255,255,255,0.035)";
    ctx.fillRect(0, 3, width, H - 6);
    if (!track) return;
    const fw = width / numFrames;
    // Masked frames, merged into runs so a long masklet is one rectangle.
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.75;
    const frames = [...track.maskFrames].sort((a, b) => a - b);
    let i = 0;
    while (i < frames.length) {
      let j = i;
      while (j + 1 < frames.length && frames[j + 1] === frames[j] + 1) j++;
      const x0 = frames[i] * fw;
      const x1 = (frames[j] + 1) * fw;
      ctx.fillRect(x0, 5, Math.max(1.5, x1 - x0), H - 10);
      i = j + 1;
    }
    ctx.globalAlpha = 1;
    // Prompted frames: white diamonds, or thin ticks where frames are narrow.
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "rgba(0,0,0,0.55)";
    const r = Math.max(1.5, Math.min(3.5, fw / 2.5));
    for (const f of track.promptFrames) {
      const x = (f + 0.5) * fw;
      if (fw < 4) {
        ctx.fillRect(x - 0.5, 3, 1, 5);
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(x, H / 2 - r - 1);
      ctx.lineTo(x + r, H / 2);
      ctx.lineTo(x, H / 2 + r + 1);
      ctx.lineTo(x - r, H / 2);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
  }, [numFrames, track, color, width, version]);
  return <canvas ref={ref} style={{ width, height: 22 }} className="track-canvas" />;
});

/** The tracks; memoised so that moving the playhead does not re-render them. */
const TrackList = memo(function TrackList({
  objects,
  tracks,
  selected,
  numFrames,
  width,
  version,
  onSelect,
}: {
  objects: ObjectOut[];
  tracks: Map<number, Track>;
  selected: number | null;
  numFrames: number;
  width: number;
  version: number;
  onSelect: (id: number) => void;
}) {
  return (
      <div className="tracks">
        {objects.length === 0 && (
          <div className="tracks-empty">Click on the video to create an object and its first mask.</div>
        )}
        {objects.map((o) => {
          const t = tracks.get(o.id);
          return (
            <div
              key={o.id}
              className={`track ${o.id === selected ? "track-selected" : ""}`}
              data-testid="track"
              data-object-id={o.id}
              data-mask-frames={t?.maskFrames.size ?? 0}
              data-prompt-frames={t?.promptFrames.size ?? 0}
            >
              <div className="track-label" onClick={() => onSelect(o.id)} title={`${o.name} · ${o.review_status}`}>
                <span className="swatch" style={{ background: o.color }} />
                <span className="track-name">{o.name || `object ${o.id}`}</span>
                <span className={`review review-${o.review_status}`} title={`review: ${o.review_status}`} />
                <span className="track-count">{t?.maskFrames.size ?? 0}</span>
              </div>
              <TrackCanvas numFrames={numFrames} track={t} color={o.color} width={width} version={version} />
            </div>
          );
        })}
      </div>
  );
});

export default function Timeline(props: Props) {
  const { numFrames, frame, objects, tracks, selected, users, you } = props;
  const area = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const scrubbing = useRef(false);

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(0, el.clientWidth - LABEL_W)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const frameAt = (clientX: number) => {
    const r = area.current!.getBoundingClientRect();
    const x = clientX - r.left - LABEL_W;
    return Math.max(0, Math.min(numFrames - 1, Math.floor((x / Math.max(1, width)) * numFrames)));
  };
  const fw = width / Math.max(1, numFrames);
  const playX = LABEL_W + (frame + 0.5) * fw;

  // Ruler ticks at a readable spacing.
  const step = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000].find((s) => s * fw >= 60) ?? 10000;
  const ticks: number[] = [];
  for (let f = 0; f < numFrames; f += step) ticks.push(f);

  return (
    <div
      className="timeline"
      ref={area}
      onMouseDown={(e) => {
        const target = e.target as HTMLElement;
        if (target.closest(".track-label")) return;
        scrubbing.current = true;
        props.onSeek(frameAt(e.clientX));
      }}
      onMouseMove={(e) => scrubbing.current && props.onSeek(frameAt(e.clientX))}
      onMouseUp={() => (scrubbing.current = false)}
      onMouseLeave={() => (scrubbing.current = false)}
      data-testid="timeline"
    >
      <div className="timeline-ruler">
        <div className="track-label ruler-label">{objects.length} object{objects.length === 1 ? "" : "s"}</div>
        <div className="ruler" style={{ width }}>
          {ticks.map((t) => (
            <span key={t} className="tick" style={{ left: t * fw }}>
              {t}
            </span>
          ))}
          {users
            .filter((u) => u.username !== you && u.frame !== null)
            .map((u) => (
              <span
                key={u.username}
                className="presence-marker"
                style={{ left: (u.frame! + 0.5) * fw, borderTopColor: colorFor(u.username) }}
                title={`${u.username} is on frame ${u.frame}`}
              />
            ))}
        </div>
      </div>
      <TrackList
        objects={objects}
        tracks={tracks}
        selected={selected}
        numFrames={numFrames}
        width={width}
        version={props.version}
        onSelect={props.onSelect}
      />
      {props.propagatingFrame !== null && (
        <div className="propagation-head" style={{ left: LABEL_W + (props.propagatingFrame + 0.5) * fw }} />
      )}
      <div className="playhead" style={{ left: playX }} />
    </div>
  );
}
