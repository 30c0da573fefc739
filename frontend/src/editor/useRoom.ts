// The room: one controller (protocol client + store) and frame cache per video; joining the
// room, then the REST reads; the masks of the frames around the playhead; presence.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore, type RefObject } from "react";
import { api } from "../api/client";
import type { RestMask, RestPrompt, TimelineTrack, Video } from "../api/types";
import { ProtocolClient } from "../protocol/client";
import type { ObjectOut } from "../protocol/messages";
import { EditorController } from "./controller";
import { FrameCache, httpLoader } from "./frameCache";

export type Toast = (kind: "error" | "info" | "success", text: string) => void;

/** The controller and frame cache of `video`, connected while mounted; `joined` once the
 *  server's snapshot came (the REST state is read after it). Re-renders on store changes. */
export function useRoom(video: Video, toast: Toast) {
  const { ctl, cache } = useMemo(() => {
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    const client = new ProtocolClient({ url: `${proto}//${window.location.host}/ws/videos/${video.id}/` });
    const ctl = new EditorController({
      videoId: video.id,
      width: video.width,
      height: video.height,
      numFrames: video.num_frames,
      client,
      onError: (m) => toast("error", m),
    });
    const cache = new FrameCache(httpLoader(video.id), video.num_frames, FrameCache.capacityFor(video.width, video.height));
    return { ctl, cache };
  }, [video.id, video.width, video.height, video.num_frames, toast]);
  const store = ctl.store;

  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  const [, bump] = useState(0);
  useEffect(() => ctl.onChange(() => bump((n) => n + 1)), [ctl]);

  // Join the room first, then read the REST state: a change committed after the join streams
  // in live, so nothing falls between the two (reads that start earlier could miss some).
  const [joined, setJoined] = useState(false);
  useEffect(() => {
    const off = ctl.client.onMessage((m) => {
      if (m.type !== "session.state") return;
      off();
      api<ObjectOut[]>(`/api/videos/${video.id}/objects/`)
        .then((objs) => store.loadObjects(objs))
        .catch(() => {});
      api<TimelineTrack[]>(`/api/videos/${video.id}/timeline/`)
        .then((t) => store.loadTimeline(t))
        .catch(() => {});
      // Earlier prompts, so their clicks show (and undo) after a reload; merged by seq.
      api<RestPrompt[]>(`/api/videos/${video.id}/prompts/`)
        .then((rows) => store.loadPrompts(rows))
        .catch(() => {});
      setJoined(true);
    });
    ctl.client.connect();
    return () => {
      off();
      // Only the socket and decoded frames go; listeners stay for a StrictMode re-mount.
      ctl.client.close();
      cache.dispose();
    };
  }, [ctl, cache, store, video.id]);

  return { ctl, cache, store, version, joined, conn: ctl.connection };
}

/** REST masks of the playhead's frame and its neighbours (live changes come by socket), and
 *  the decoded frames ahead of it. */
export function useFrameMasks(
  ctl: EditorController,
  cache: FrameCache,
  video: Video,
  at: { frame: number; frameRef: RefObject<number>; playing: boolean; fps: number; joined: boolean },
) {
  const { frame, frameRef, playing, fps, joined } = at;
  const store = ctl.store;
  const N = video.num_frames;
  const loadMasks = useCallback(
    async (f: number) => {
      if (f < 0 || f >= N || store.loadedFrames.has(f)) return;
      const epoch = store.beginFrameLoad(f);
      try {
        const rows = await api<RestMask[]>(`/api/videos/${video.id}/masks/?frame=${f}`);
        store.loadFrameMasks(f, rows, epoch);
      } catch {
        store.failFrameLoad(f);
      }
    },
    [N, store, video.id],
  );
  useEffect(() => {
    if (!joined) return;
    loadMasks(frame);
    const ahead = playing ? Math.ceil(fps) : 6;
    let cancelled = false;
    (async () => {
      for (let d = 1; d <= ahead && !cancelled; d++) {
        await loadMasks(frame + d);
        if (d <= 2) await loadMasks(frame - d);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [frame, playing, fps, cache, loadMasks, joined]);
  useEffect(() => {
    cache.prefetch(frame, playing ? Math.ceil(fps * 2) : 24, playing ? 2 : 8);
  }, [frame, playing, fps, cache]);
  // Objects created later (someone else's) may already have masks on loaded frames.
  const objectCount = store.objects.size;
  useEffect(() => {
    if (objectCount === 0 || !joined) return;
    // The REST rows of those frames were filtered by the objects known at the time.
    store.loadedFrames.clear();
    loadMasks(frameRef.current);
  }, [objectCount, store, loadMasks, joined, frameRef]);

  // Presence: where I am, throttled; re-sent after every (re)connect.
  const conn = ctl.connection;
  const selected = ctl.selected;
  useEffect(() => {
    const t = setTimeout(() => ctl.presence(frame), playing ? 500 : 120);
    return () => clearTimeout(t);
  }, [frame, selected, conn, ctl, playing]);
}
