// The project page's live feed over /ws/projects/{id}/ (server -> client only): what each
// message does to the page's video list, and a hook that keeps the socket open (the protocol
// client reconnects with backoff) while the page is mounted. The page still re-reads on focus:
// the channel layer is lossy, and after a reconnect the hook asks for a fresh read.
import { useEffect, useRef, useState } from "react";
import type { Video } from "../../api/types";
import { ProtocolClient, type ConnectionState, type SocketFactory } from "../../protocol/client";
import type { ServerMessage, VideoUpdated } from "../../protocol/messages";

/** What the page does after a message: the new list, and what to read again. */
export interface FeedResult {
  videos: Video[] | null;
  /** Re-read the video list (a video appeared, finished decoding or is unknown here). */
  reloadVideos: boolean;
  /** Re-read the project (the user's role changed). */
  reloadProject: boolean;
  /** Re-read the team (a member added, removed or re-roled; the pickers offer them). */
  reloadMembers: boolean;
}

function updated(v: Video, m: VideoUpdated): Video {
  return {
    ...v,
    stage: m.stage,
    assignee: m.assignee,
    reviewer: m.reviewer,
    second_assignee: m.second_assignee ?? null,
    ...(m.name != null ? { name: m.name } : {}),
  };
}

/** Apply one project-socket message to `videos` (null: not loaded yet). Pure. */
export function applyFeed(videos: Video[] | null, m: ServerMessage): FeedResult {
  const same = { videos, reloadVideos: false, reloadProject: false, reloadMembers: false };
  switch (m.type) {
    case "video.updated": {
      if (videos === null) return { ...same, reloadVideos: true };
      if (!videos.some((v) => v.id === m.video_id)) return { ...same, reloadVideos: true };
      return { ...same, videos: videos.map((v) => (v.id === m.video_id ? updated(v, m) : v)) };
    }
    case "video.deleted":
      if (videos === null) return same;
      return { ...same, videos: videos.filter((v) => v.id !== m.video_id) };
    case "video.created":
    case "video.ready":
    case "video.failed":
      // Only the read brings a decoded video's frame count, size and poster: showing "ready"
      // before it would offer a video of 0 frames for a moment.
      return { ...same, reloadVideos: true };
    case "members.changed":
      return { ...same, reloadMembers: true };
    case "access.changed":
      return { ...same, reloadProject: true, reloadMembers: true };
    default:
      return same;
  }
}

export function projectSocketUrl(projectId: number, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  const proto = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${loc.host}/ws/projects/${projectId}/`;
}

export interface FeedHandlers {
  /** A message arrived (apply it with applyFeed). */
  onMessage: (m: ServerMessage) => void;
  /** The socket (re)opened: read the list again, since changes may have been missed. */
  onOpen: () => void;
}

/** Keep the project's socket open while mounted; returns its connection state. */
export function useProjectFeed(projectId: number, handlers: FeedHandlers, socketFactory?: SocketFactory): ConnectionState {
  const latest = useRef(handlers);
  latest.current = handlers;
  const [state, setState] = useState<ConnectionState>("connecting");
  useEffect(() => {
    if (!Number.isFinite(projectId)) return;
    const client = new ProtocolClient({ url: projectSocketUrl(projectId), ...(socketFactory ? { socketFactory } : {}) });
    const offMsg = client.onMessage((m) => latest.current.onMessage(m));
    const offState = client.onState((s) => {
      setState(s);
      if (s === "open") latest.current.onOpen();
    });
    client.connect();
    return () => {
      offMsg();
      offState();
      client.close();
    };
  }, [projectId, socketFactory]);
  return state;
}
