"""Decode a video file to per-frame JPEGs with PyAV. No Django: it runs in a child
process (`python -m webapp.videos.decode SRC OUT_DIR`, started through webapp.sandbox
with memory, CPU and wall-clock limits) so that a hostile file is killed and a crash in
libav cannot take the web process down. Pictures larger than the resolution limit are
refused from the stream header, before any frame is decoded.

Frames are indexed by decode order (container frame counts and pts order lie in real
files); each frame's presentation time is recorded so VFR videos stay frame-accurate.

A zip of JPEG/PNG frames or a single JPEG/PNG is recognised by its first bytes and handled
by webapp.videos.images in this same child (same limits, same frame store).
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import av.logging
import numpy as np


TEXT_FORMATS = {"tty", "bin", "xbin", "idf", "adf"}
TEXT_CODECS = {"ansi", "bintext", "xbin", "idf", "text"}


class NotAVideo(ValueError):
    """The file has no decodable video stream."""


class TooLarge(NotAVideo):
    """The picture exceeds the resolution limit."""


def check_resolution(w: int, h: int, max_w: int, max_h: int) -> None:
    """Refuse pictures over MAX_W x MAX_H; portrait videos may swap the two."""
    if not (max_w and max_h) or w <= 0 or h <= 0:
        return
    if max(w, h) > max(max_w, max_h) or min(w, h) > min(max_w, max_h):
        raise TooLarge(f"{w}×{h} exceeds the {max_w}×{max_h} limit")


@dataclass
class Probe:
    width: int
    height: int
    fps: float
    rotation: int
    codec: str
    duration: float
    kind: str = "video"  # video | image_sequence | image
    num_frames: int = 0  # known for images only


@dataclass
class Manifest:
    num_frames: int = 0
    width: int = 0
    height: int = 0
    fps: float = 0.0
    duration: float = 0.0
    rotation: int = 0
    timestamps: list[float] = field(default_factory=list)
    corrupt_packets: int = 0
    decoder_errors: int = 0
    warning: str = ""
    kind: str = "video"
    frame_names: list[str] = field(default_factory=list)  # images: each frame's file name


def _rotation(frame) -> int:
    """Clockwise display rotation in degrees (0/90/180/270) from the frame's display matrix."""
    rot = int(round(getattr(frame, "rotation", 0) or 0)) % 360
    # PyAV reports the display matrix angle counter-clockwise; the viewer must turn the
    # picture by the opposite angle.
    return (-rot) % 360 if rot in (90, 180, 270) else 0


def _oriented(frame, rotation: int) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    if rotation:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-rotation // 90))
    return rgb


def _save_jpeg(rgb: np.ndarray, dest: Path, quality: int) -> None:
    from PIL import Image

    Image.fromarray(rgb).save(dest, quality=quality)


def probe(path: str | Path, max_w: int = 0, max_h: int = 0) -> Probe:
    """Open the file and decode its first frame; raise NotAVideo with a readable reason
    (TooLarge past MAX_W x MAX_H, judged from the header before decoding)."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise NotAVideo(f"not a readable video file ({_reason(e)})") from None
    with container:
        streams = container.streams.video
        if not streams:
            raise NotAVideo("the file has no video stream")
        stream = streams[0]
        if container.format.name.endswith("_pipe") or container.format.name == "image2":
            raise NotAVideo("the file is a still image, not a video")
        # libav renders text files (.txt, .ans, .nfo) as "video" through its tty demuxer.
        if container.format.name in TEXT_FORMATS or streams[0].codec_context.name in TEXT_CODECS:
            raise NotAVideo("the file is text, not a video")
        check_resolution(stream.codec_context.width, stream.codec_context.height, max_w, max_h)
        stream.thread_count = 1
        try:
            for frame in container.decode(stream):
                rotation = _rotation(frame)
                w, h = frame.width, frame.height
                if rotation in (90, 270):
                    w, h = h, w
                check_resolution(w, h, max_w, max_h)
                rate = stream.average_rate or stream.guessed_rate
                duration = float(container.duration / av.time_base) if container.duration else 0.0
                return Probe(
                    width=w,
                    height=h,
                    fps=float(rate) if rate else 0.0,
                    rotation=rotation,
                    codec=stream.codec_context.name,
                    duration=duration,
                )
        except av.error.FFmpegError as e:
            raise NotAVideo(f"the video stream cannot be decoded ({_reason(e)})") from None
    raise NotAVideo("the video stream has no decodable frames")


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e) or type(e).__name__


def decode_to_jpegs(
    path: str | Path,
    out_dir: str | Path,
    quality: int = 90,
    max_frames: int = 100_000,
    on_progress=None,
    max_w: int = 0,
    max_h: int = 0,
) -> Manifest:
    """Write every decodable frame as OUT_DIR/<index:06d>.jpg; corrupt packets are skipped
    and counted. Raises NotAVideo when nothing at all decodes."""
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = Manifest()
    info = probe(path, max_w, max_h)
    m.rotation, m.width, m.height = info.rotation, info.width, info.height
    # No frame threading: libav's worker threads would log through PyAV's callback, which
    # needs the GIL, and closing a frame-threaded codec while holding it deadlocks. JPEG
    # encoding (which releases the GIL) runs in a small pool instead.
    av.logging.set_level(av.logging.WARNING)
    pending: list = []
    try:
        with av.logging.Capture() as logs, ThreadPoolExecutor(2) as pool, av.open(
            str(path), metadata_errors="ignore"
        ) as container:
            stream = container.streams.video[0]
            stream.thread_count = 1
            total_hint = stream.frames or 0
            if not total_hint and info.duration and info.fps:
                total_hint = int(info.duration * info.fps)
            tb = stream.time_base
            last_t = 0.0
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    m.corrupt_packets += 1
                    continue
                for frame in frames:
                    # A stream may change size mid-way: never decode past the limit.
                    check_resolution(frame.width, frame.height, max_w, max_h)
                    if m.num_frames >= max_frames:
                        raise NotAVideo(f"the video has more than {max_frames} frames")
                    rgb = _oriented(frame, info.rotation)
                    if rgb.shape[1] != m.width or rgb.shape[0] != m.height:
                        # Mid-stream resolution change: keep the first size so masks line up.
                        rgb = np.asarray(
                            Image.fromarray(rgb).resize((m.width, m.height), Image.BILINEAR)
                        )
                    pending.append(pool.submit(_save_jpeg, rgb, out / f"{m.num_frames:06d}.jpg", quality))
                    if frame.pts is not None and tb is not None:
                        t = float(frame.pts * tb)
                    else:
                        t = last_t + (1.0 / info.fps if info.fps else 0.0)
                    m.timestamps.append(round(t, 6))
                    last_t = t
                    m.num_frames += 1
                    if len(pending) > 8:
                        pending.pop(0).result()
                    if on_progress and m.num_frames % 10 == 0:
                        on_progress(m.num_frames, total_hint)
            for fut in pending:
                fut.result()
    finally:
        av.logging.set_level(None)
    # Decoders conceal damage rather than fail; their error log is how we learn of it.
    m.decoder_errors = sum(1 for level, _, _ in logs if level <= av.logging.ERROR)
    if m.num_frames == 0:
        raise NotAVideo("the video stream has no decodable frames")
    span = (max(m.timestamps) - min(m.timestamps)) if m.num_frames > 1 else 0.0
    if m.num_frames > 1 and span > 0:
        # Mean rate over the decoded frames: right for VFR files whose header rate lies.
        m.fps = round((m.num_frames - 1) / span, 6)
        m.duration = round(span + 1.0 / m.fps, 6)
    else:
        m.fps = info.fps or 0.0
        m.duration = info.duration or (m.num_frames / m.fps if m.fps else 0.0)
    if m.corrupt_packets or m.decoder_errors:
        m.warning = (
            f"the stream is damaged ({m.corrupt_packets} undecodable packet(s), "
            f"{m.decoder_errors} decoder error(s)); kept the {m.num_frames} decodable frames"
        )
    return m


def _image_limits(argv: list[str], max_frames: int, max_w: int, max_h: int):
    from webapp.videos.images import Limits

    lim = Limits(max_frames=max_frames, max_w=max_w, max_h=max_h)
    if len(argv) >= 2:
        lim.max_entries, lim.max_expanded = int(argv[0]), int(argv[1]) * 1024 * 1024
    return lim


def _probe_any(src: str, max_w: int, max_h: int, rest: list[str]) -> Probe:
    from webapp.videos import images

    if images.sniff(src) == "video":
        return probe(src, max_w, max_h)
    max_frames = int(rest[0]) if rest else 100_000
    r = images.probe(src, _image_limits(rest[1:], max_frames, max_w, max_h))
    return Probe(width=r.width, height=r.height, fps=0.0, rotation=0, codec=r.kind,
                 duration=0.0, kind=r.kind, num_frames=r.num_frames)


def _decode_images(src: str, out_dir: str, quality: int, lim, fps: float, on_progress) -> Manifest:
    from webapp.videos import images

    r = images.decode(src, out_dir, quality, lim, on_progress)
    fps = fps if fps > 0 else 24.0
    return Manifest(num_frames=r.num_frames, width=r.width, height=r.height, fps=fps,
                    duration=round(r.num_frames / fps, 6),
                    timestamps=[round(i / fps, 6) for i in range(r.num_frames)],
                    kind=r.kind, frame_names=r.frame_names)


def main(argv: list[str]) -> int:
    """Child-process entry: JSON lines on stdout ({"progress":..} then {"manifest":..} or
    {"error":..}).

    `--probe SRC [MAX_W MAX_H [MAX_FRAMES MAX_ZIP_ENTRIES MAX_ZIP_EXPANDED_MB]]` prints
    {"probe":..} or {"error":..}; `SRC OUT_DIR [QUALITY MAX_FRAMES MAX_W MAX_H [FPS
    MAX_ZIP_ENTRIES MAX_ZIP_EXPANDED_MB]]` decodes (FPS: the rate given to image uploads)."""
    from webapp.videos.images import BadImages, sniff

    if argv[0] == "--probe":
        limit = [int(v) for v in argv[2:4]] if len(argv) >= 4 else [0, 0]
        try:
            print(json.dumps({"probe": asdict(_probe_any(argv[1], *limit, argv[4:]))}), flush=True)
        except (NotAVideo, BadImages) as e:
            print(json.dumps({"error": str(e)}), flush=True)
            return 2
        return 0
    src, out_dir = argv[0], argv[1]
    quality = int(argv[2]) if len(argv) > 2 else 90
    max_frames = int(argv[3]) if len(argv) > 3 else 100_000
    max_w, max_h = (int(argv[4]), int(argv[5])) if len(argv) > 5 else (0, 0)
    fps = float(argv[6]) if len(argv) > 6 else 0.0

    def progress(done: int, total: int) -> None:
        print(json.dumps({"progress": done, "total": total}), flush=True)

    try:
        if sniff(src) == "video":
            manifest = decode_to_jpegs(src, out_dir, quality, max_frames, progress, max_w, max_h)
        else:
            lim = _image_limits(argv[7:9], max_frames, max_w, max_h)
            manifest = _decode_images(src, out_dir, quality, lim, fps, progress)
    except (NotAVideo, BadImages) as e:
        print(json.dumps({"error": str(e)}), flush=True)
        return 2
    print(json.dumps({"manifest": asdict(manifest)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
