// GENERATED from webapp/realtime/protocol.schema.json by `npm run gen:protocol` (python -m webapp.realtime.protocol_docs --write); do not edit.
// Hand-written helpers live beside it; src/protocol/generated.test.ts fails when this is stale.

/** The protocol version this client speaks; session.state carries the server's. */
export const PROTOCOL_VERSION = 1;

/** The reason of each app close code (the server sends it as the close frame's reason). */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  4401: "Sign in to open this video.",
  4403: "You were removed from this project.",
  4404: "No such video, or you are not a member of its project.",
  4429: "Too many open connections: close another tab and reload.",
};

export type ClientMessage =
  | ObjectCreate
  | ObjectUpdate
  | ObjectDelete
  | PromptAdd
  | PromptMask
  | PropagateStart
  | PropagateCancel
  | Sync
  | PresenceSet
  | Ping
  | ObjectSplit
  | ObjectMerge
  | MasksClear
  | ObjectDuplicate;
export type ServerMessage =
  | SessionState
  | Ack
  | ErrorMessage
  | ObjectEvent
  | Masks
  | PromptAdded
  | PropagationProgress
  | PropagationDone
  | Presence
  | Pong
  | SyncDone
  | VideoUpdated
  | CommentEvent
  | Flags
  | AccessChanged
  | VideoListed
  | MembersChanged;

export interface ProtocolSchema {
  client?: ClientMessage;
  server?: ServerMessage;
}
/**
 * Create an object (masklet). `label` is a label class name of the project.
 */
export interface ObjectCreate {
  color?: string | null;
  label?: string | null;
  name?: string;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "object.create";
}
/**
 * Change an object's name, label, color or review status; omitted fields stay.
 */
export interface ObjectUpdate {
  color?: string | null;
  label?: string | null;
  name?: string | null;
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  review_status?: ("draft" | "submitted" | "accepted" | "rejected") | null;
  type: "object.update";
}
/**
 * Delete an object and its masks (soft delete; the prompt log stays replayable).
 */
export interface ObjectDelete {
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "object.delete";
}
/**
 * Click points (label 1 = positive, 0 = negative) and/or a box on one frame of one object.
 */
export interface PromptAdd {
  box?: [number, number, number, number] | null;
  clear_old?: boolean;
  frame: number;
  labels?: (0 | 1)[] | null;
  object_id: number;
  points?: [number, number][] | null;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "prompt.add";
}
/**
 * Set an object's mask on one frame (COCO compressed RLE at video size). SAM 2 conditions
 * on it, and the object's mask on that frame is stored exactly as sent (until a click there
 * refines it).
 */
export interface PromptMask {
  frame: number;
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  rle: RleIn;
  type: "prompt.mask";
}
/**
 * A client's RLE: checked to decode to exactly size[0] x size[1] pixels.
 */
export interface RleIn {
  counts: string;
  /**
   * @minItems 2
   * @maxItems 2
   */
  size: [number, number];
}
/**
 * Track objects through the video from `frame` (default: the earliest prompted frame of
 * the chosen objects). Extension: `object_ids` limits it to some objects; with `max_frames`
 * it covers frames `[frame, frame + max_frames)` forward and/or `(frame - max_frames, frame]`
 * backward. Propagations of other objects keep running alongside (each is a `job`); one
 * already running on any of the same objects is superseded.
 */
export interface PropagateStart {
  direction?: "forward" | "backward" | "both";
  frame?: number | null;
  max_frames?: number | null;
  object_ids?: [number, ...number[]] | null;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "propagate.start";
}
/**
 * Stop the sender's propagations of this video within one frame, or (extension) the
 * propagation `job`, whoever started it.
 */
export interface PropagateCancel {
  job?: number | null;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "propagate.cancel";
}
/**
 * Replay every change with seq > since_seq, then `sync.done`.
 */
export interface Sync {
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  since_seq: number;
  type: "sync";
}
/**
 * Tell the room which frame (and object) you are looking at.
 */
export interface PresenceSet {
  frame: number;
  object_id?: number | null;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "presence";
}
export interface Ping {
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "ping";
}
/**
 * Extension: frames >= `frame` move to a new object (see Masklet operations).
 */
export interface ObjectSplit {
  frame: number;
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "object.split";
}
/**
 * Extension: `object_id` moves into `into_id`, then is deleted (Masklet operations).
 */
export interface ObjectMerge {
  into_id: number;
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "object.merge";
}
/**
 * Extension: empty an object's masks and reset its prompts on frames start..end.
 */
export interface MasksClear {
  end: number;
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  start: number;
  type: "masks.clear";
}
/**
 * Extension: a new object with a copy of the masks and prompts (Masklet operations).
 */
export interface ObjectDuplicate {
  object_id: number;
  /**
   * echoed in the ack/error/pong/sync.done
   */
  req?: number | string | null;
  type: "object.duplicate";
}
/**
 * Sent once on connect, after joining the room: the snapshot the live stream continues.
 * Extensions: `video`, `model` (the UI shows a banner when `random_weights`), `role`, `you`,
 * `protocol` (the version: a client built for another one asks the user to reload).
 */
export interface SessionState {
  model: ModelOut;
  objects: ObjectOut[];
  protocol?: number;
  role: string;
  seq: number;
  type: "session.state";
  users: UserPresence[];
  video: VideoInfo;
  you: string;
}
export interface ModelOut {
  name: string;
  random_weights: boolean;
}
export interface ObjectOut {
  color: string;
  id: number;
  label: string | null;
  name: string;
  review_status: string;
  seq: number;
}
export interface UserPresence {
  frame: number | null;
  object_id: number | null;
  username: string;
}
export interface VideoInfo {
  fps: number;
  height: number;
  id: number;
  num_frames: number;
  status: string;
  width: number;
}
/**
 * The message with this `req` was accepted. `seq` is the change's seq (for commands that
 * make no change of their own: the video's current seq).
 */
export interface Ack {
  /**
   * client's request id, echoed in the reply
   */
  req: number | string;
  seq: number;
  type: "ack";
}
export interface ErrorMessage {
  code:
    | "bad_message"
    | "too_large"
    | "rate_limited"
    | "forbidden"
    | "out_of_range"
    | "not_found"
    | "unavailable"
    | "internal";
  message: string;
  req?: (number | string) | null;
  type: "error";
}
export interface ObjectEvent {
  by: string | null;
  object: ObjectOut;
  seq: number;
  type: "object.created" | "object.updated" | "object.deleted";
}
/**
 * Masks of one frame. Every mask row stored gets a fresh seq, so `masks` of one
 * propagation batch share a seq across frames. `source: "edit"` (extension): from a masklet
 * operation; an empty RLE there means the object has no mask on that frame any more.
 */
export interface Masks {
  by: string | null;
  frame: number;
  masks: MaskOut[];
  seq: number;
  source: "prompt" | "propagation" | "import" | "edit";
  type: "masks";
}
export interface MaskOut {
  object_id: number;
  rle: Rle;
  score: number | null;
}
export interface Rle {
  counts: string;
  /**
   * @minItems 2
   * @maxItems 2
   */
  size: [number, number];
}
/**
 * Extension: a prompt was stored (before inference), so everyone can draw the clicks.
 */
export interface PromptAdded {
  by: string | null;
  prompt: PromptOut;
  seq: number;
  type: "prompt.added";
}
export interface PromptOut {
  box?: number[] | null;
  clear_old?: boolean;
  frame: number;
  kind: "point" | "box" | "mask";
  labels?: number[] | null;
  object_id: number;
  points?: number[][] | null;
}
/**
 * `job` (extension): which propagation, when several run on the video at once.
 */
export interface PropagationProgress {
  by?: string | null;
  done: number;
  frame: number;
  job?: number | null;
  total: number;
  type: "propagation.progress";
}
/**
 * `job` (extension) as in propagation.progress. `reason` (extension): cancelled
 * (propagate.cancel), superseded (a newer propagate.start on some of the same objects),
 * failed, worker_lost (the inference worker died, reported within seconds by the servers'
 * watchdog; what it stored is kept), or null. A propagate.cancel with nothing running is
 * answered to its sender alone with cancelled, done 0 of 0.
 */
export interface PropagationDone {
  by?: string | null;
  cancelled: boolean;
  done?: number;
  job?: number | null;
  reason?: ("cancelled" | "superseded" | "failed" | "worker_lost") | null;
  total?: number;
  type: "propagation.done";
}
export interface Presence {
  type: "presence";
  users: UserPresence[];
}
export interface Pong {
  req?: (number | string) | null;
  type: "pong";
}
export interface SyncDone {
  req?: (number | string) | null;
  seq: number;
  type: "sync.done";
}
/**
 * The video's assignment, stage or name changed (`PATCH /api/videos/{id}/`); `reason`
 * when a reviewer sent it back to annotate. Sent to the video's room and to its project's
 * socket.
 */
export interface VideoUpdated {
  assignee: string | null;
  by?: string | null;
  name?: string | null;
  reason?: string | null;
  reviewer: string | null;
  second_assignee?: string | null;
  stage: "annotate" | "review" | "done";
  type: "video.updated";
  video_id: number;
}
/**
 * A comment was posted or changed (resolved); `decision` is set on the comment that came
 * with an accept or reject of `object_id`.
 */
export interface CommentEvent {
  by?: string | null;
  comment: CommentOut;
  type: "comment.created" | "comment.updated";
}
export interface CommentOut {
  author: string | null;
  created_at: string;
  decision: "" | "accepted" | "rejected";
  frame: number;
  id: number;
  object_id: number | null;
  parent: number | null;
  resolved: boolean;
  text: string;
  x: number | null;
  y: number | null;
}
/**
 * The quality flags of `object_id` on frames `start`..`end` (inclusive) are now `frames`
 * (flagged frames only: the others in that range have none). Sent after masks change.
 */
export interface Flags {
  end: number;
  frames: FlagOut[];
  object_id: number;
  start: number;
  type: "flags";
}
export interface FlagOut {
  frame: number;
  reasons: (
    "low_iou" | "low_object_score" | "area_jump" | "centroid_jump" | "vanished" | "reappeared" | "fwd_bwd_disagree"
  )[];
  score: number;
}
/**
 * To one socket: its user's role in this project changed (`role`, the new one); the
 * client refreshes which tools it shows. A removal closes the socket with 4403 instead.
 */
export interface AccessChanged {
  role: string;
  type: "access.changed";
}
/**
 * Project socket (`/ws/projects/{id}/`) only: a video was added to the project
 * (`video.created`, still processing), finished decoding (`video.ready`, `video.failed`:
 * `error` says why) or was deleted (`video.deleted`). The project page re-reads its video
 * list, or drops the deleted one.
 */
export interface VideoListed {
  by?: string | null;
  error?: string | null;
  name: string;
  type: "video.created" | "video.ready" | "video.failed" | "video.deleted";
  video_id: number;
}
/**
 * Project socket only: a member was added or removed, or their role changed; the project
 * page re-reads its team (`GET /api/projects/{id}/members/`), which its assignment pickers
 * offer.
 */
export interface MembersChanged {
  type: "members.changed";
}
