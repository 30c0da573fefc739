// The WebSocket protocol, mirrored by hand from webapp/realtime/protocol.py (pydantic).
// SCHEMA_SPEC below lists each model's fields; protocol.schema.test.ts compares it with the
// server's JSON Schema (webapp/realtime/protocol.schema.json), and the type-level checks
// here make tsc fail when SCHEMA_SPEC and these interfaces drift apart.

export const PROTOCOL_VERSION = 1;

export type ReviewStatus = "draft" | "submitted" | "accepted" | "rejected";
export type MaskSource = "prompt" | "propagation" | "import";
export type Direction = "forward" | "backward" | "both";
export type ReqId = number | string;
export type ErrorCode =
  | "bad_message"
  | "too_large"
  | "rate_limited"
  | "forbidden"
  | "out_of_range"
  | "not_found"
  | "unavailable"
  | "internal";

export interface Rle {
  size: [number, number];
  counts: string;
}

// ---- shared shapes (server side) ------------------------------------------------------
export interface WireObject {
  id: number;
  label: string | null;
  name: string;
  color: string;
  review_status: string;
  seq: number;
}
export interface PresenceUser {
  username: string;
  frame: number | null;
  object_id: number | null;
}
export interface WireMask {
  object_id: number;
  rle: Rle;
  score: number | null;
}
export interface VideoInfo {
  id: number;
  num_frames: number;
  width: number;
  height: number;
  fps: number;
  status: string;
}
export interface ModelOut {
  name: string;
  random_weights: boolean;
}
export interface PromptOut {
  object_id: number;
  frame: number;
  kind: "point" | "box" | "mask";
  points?: number[][] | null;
  labels?: number[] | null;
  box?: number[] | null;
  clear_old?: boolean;
}

// ---- client → server -----------------------------------------------------------------
export interface ObjectCreate {
  type: "object.create";
  req?: ReqId | null;
  label?: string | null;
  name?: string;
  color?: string | null;
}
export interface ObjectUpdate {
  type: "object.update";
  req?: ReqId | null;
  object_id: number;
  label?: string | null;
  name?: string | null;
  color?: string | null;
  review_status?: ReviewStatus | null;
}
export interface ObjectDelete {
  type: "object.delete";
  req?: ReqId | null;
  object_id: number;
}
export interface PromptAdd {
  type: "prompt.add";
  req?: ReqId | null;
  object_id: number;
  frame: number;
  points?: number[][] | null;
  labels?: (0 | 1)[] | null;
  box?: number[] | null;
  clear_old?: boolean;
}
export interface PromptMask {
  type: "prompt.mask";
  req?: ReqId | null;
  object_id: number;
  frame: number;
  rle: Rle;
}
export interface PropagateStart {
  type: "propagate.start";
  req?: ReqId | null;
  frame?: number | null;
  direction?: Direction;
  max_frames?: number | null;
  object_ids?: number[] | null;
}
export interface PropagateCancel {
  type: "propagate.cancel";
  req?: ReqId | null;
  job?: number | null;
}
export interface Sync {
  type: "sync";
  req?: ReqId | null;
  since_seq: number;
}
export interface PresenceSet {
  type: "presence";
  req?: ReqId | null;
  frame: number;
  object_id?: number | null;
}
export interface Ping {
  type: "ping";
  req?: ReqId | null;
}

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
  | Ping;

// ---- server → client -----------------------------------------------------------------
export interface SessionState {
  type: "session.state";
  seq: number;
  objects: WireObject[];
  users: PresenceUser[];
  video: VideoInfo;
  model: ModelOut;
  role: string;
  you: string;
  protocol?: number;
}
export interface Ack {
  type: "ack";
  req: ReqId;
  seq: number;
}
export interface ErrorMsg {
  type: "error";
  req?: ReqId | null;
  code: ErrorCode;
  message: string;
}
export interface ObjectEvent {
  type: "object.created" | "object.updated" | "object.deleted";
  object: WireObject;
  seq: number;
  by: string | null;
}
export interface MasksMsg {
  type: "masks";
  seq: number;
  frame: number;
  source: MaskSource;
  by: string | null;
  masks: WireMask[];
}
export interface PromptAdded {
  type: "prompt.added";
  seq: number;
  prompt: PromptOut;
  by: string | null;
}
export interface PropagationProgress {
  type: "propagation.progress";
  done: number;
  total: number;
  frame: number;
  by?: string | null;
  job?: number | null;
}
export interface PropagationDone {
  type: "propagation.done";
  cancelled: boolean;
  reason?: "cancelled" | "superseded" | "failed" | "worker_lost" | null;
  done?: number;
  total?: number;
  by?: string | null;
  job?: number | null;
}
export interface PresenceMsg {
  type: "presence";
  users: PresenceUser[];
}
export interface Pong {
  type: "pong";
  req?: ReqId | null;
}
export interface SyncDone {
  type: "sync.done";
  seq: number;
  req?: ReqId | null;
}

/** Messages that carry a per-video change `seq`. */
export type ChangeMessage = ObjectEvent | MasksMsg | PromptAdded;

export type ServerMessage =
  | SessionState
  | Ack
  | ErrorMsg
  | ObjectEvent
  | MasksMsg
  | PromptAdded
  | PropagationProgress
  | PropagationDone
  | PresenceMsg
  | Pong
  | SyncDone;

export function isChange(m: ServerMessage): m is ChangeMessage {
  return (
    m.type === "object.created" ||
    m.type === "object.updated" ||
    m.type === "object.deleted" ||
    m.type === "masks" ||
    m.type === "prompt.added"
  );
}

// ---- the schema spec, checked both ways ------------------------------------------------
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
interface ModelSpec {
  fields: readonly string[];
  required: readonly string[];
}
/** fields must be exactly keyof T; required exactly T's required keys other than `type`. */
function spec<T>() {
  return <const F extends readonly (keyof T & string)[], const R extends readonly (keyof T & string)[]>(
    fields: F,
    required: R,
    ..._check: Same<F[number], keyof T> extends true
      ? Same<R[number], Exclude<RequiredKeys<T>, "type">> extends true
        ? []
        : ["required keys differ from the interface"]
      : ["fields differ from the interface"]
  ): ModelSpec => ({ fields, required });
}

/** Keyed by the pydantic model names used as `$defs` in the JSON Schema. */
export const SCHEMA_SPEC: { client: Record<string, ModelSpec>; server: Record<string, ModelSpec> } = {
  client: {
    ObjectCreate: spec<ObjectCreate>()(["type", "req", "label", "name", "color"], []),
    ObjectUpdate: spec<ObjectUpdate>()(
      ["type", "req", "object_id", "label", "name", "color", "review_status"],
      ["object_id"],
    ),
    ObjectDelete: spec<ObjectDelete>()(["type", "req", "object_id"], ["object_id"]),
    PromptAdd: spec<PromptAdd>()(
      ["type", "req", "object_id", "frame", "points", "labels", "box", "clear_old"],
      ["object_id", "frame"],
    ),
    PromptMask: spec<PromptMask>()(
      ["type", "req", "object_id", "frame", "rle"],
      ["object_id", "frame", "rle"],
    ),
    PropagateStart: spec<PropagateStart>()(
      ["type", "req", "frame", "direction", "max_frames", "object_ids"],
      [],
    ),
    PropagateCancel: spec<PropagateCancel>()(["type", "req", "job"], []),
    Sync: spec<Sync>()(["type", "req", "since_seq"], ["since_seq"]),
    PresenceSet: spec<PresenceSet>()(["type", "req", "frame", "object_id"], ["frame"]),
    Ping: spec<Ping>()(["type", "req"], []),
    // The server checks a client's RLE decodes to exactly size[0] x size[1] pixels.
    RleIn: spec<Rle>()(["size", "counts"], ["size", "counts"]),
  },
  server: {
    SessionState: spec<SessionState>()(
      ["type", "seq", "objects", "users", "video", "model", "role", "you", "protocol"],
      ["seq", "objects", "users", "video", "model", "role", "you"],
    ),
    Ack: spec<Ack>()(["type", "req", "seq"], ["req", "seq"]),
    Error: spec<ErrorMsg>()(["type", "req", "code", "message"], ["code", "message"]),
    ObjectEvent: spec<ObjectEvent>()(["type", "object", "seq", "by"], ["object", "seq", "by"]),
    Masks: spec<MasksMsg>()(
      ["type", "seq", "frame", "source", "by", "masks"],
      ["seq", "frame", "source", "by", "masks"],
    ),
    PromptAdded: spec<PromptAdded>()(["type", "seq", "prompt", "by"], ["seq", "prompt", "by"]),
    PropagationProgress: spec<PropagationProgress>()(
      ["type", "done", "total", "frame", "by", "job"],
      ["done", "total", "frame"],
    ),
    PropagationDone: spec<PropagationDone>()(
      ["type", "cancelled", "reason", "done", "total", "by", "job"],
      ["cancelled"],
    ),
    Presence: spec<PresenceMsg>()(["type", "users"], ["users"]),
    Pong: spec<Pong>()(["type", "req"], []),
    SyncDone: spec<SyncDone>()(["type", "seq", "req"], ["seq"]),
    ObjectOut: spec<WireObject>()(
      ["id", "label", "name", "color", "review_status", "seq"],
      ["id", "label", "name", "color", "review_status", "seq"],
    ),
    UserPresence: spec<PresenceUser>()(
      ["username", "frame", "object_id"],
      ["username", "frame", "object_id"],
    ),
    MaskOut: spec<WireMask>()(["object_id", "rle", "score"], ["object_id", "rle", "score"]),
    VideoInfo: spec<VideoInfo>()(
      ["id", "num_frames", "width", "height", "fps", "status"],
      ["id", "num_frames", "width", "height", "fps", "status"],
    ),
    ModelOut: spec<ModelOut>()(["name", "random_weights"], ["name", "random_weights"]),
    PromptOut: spec<PromptOut>()(
      ["object_id", "frame", "kind", "points", "labels", "box", "clear_old"],
      ["object_id", "frame", "kind"],
    ),
    Rle: spec<Rle>()(["size", "counts"], ["size", "counts"]),
  },
};

/** The `type` values each side may send, per the interfaces above. */
export const CLIENT_TYPES: ClientMessage["type"][] = [
  "object.create",
  "object.update",
  "object.delete",
  "prompt.add",
  "prompt.mask",
  "propagate.start",
  "propagate.cancel",
  "sync",
  "presence",
  "ping",
];
export const SERVER_TYPES: ServerMessage["type"][] = [
  "session.state",
  "ack",
  "error",
  "object.created",
  "object.updated",
  "object.deleted",
  "masks",
  "prompt.added",
  "propagation.progress",
  "propagation.done",
  "presence",
  "pong",
  "sync.done",
];
