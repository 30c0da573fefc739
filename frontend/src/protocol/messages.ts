// The WebSocket protocol (DESIGN.md "WebSocket"), mirrored from webapp/realtime/protocol.py.
// protocol.schema.test.ts checks these names and fields against the server's JSON Schema.

import type { Rle } from "../api/types";

export type ReviewStatus = "draft" | "submitted" | "accepted" | "rejected";
export type MaskSource = "prompt" | "propagation" | "import";
export type Direction = "forward" | "backward" | "both";

export interface WireObject {
  id: number;
  label: string | null;
  name: string;
  color: string;
  review_status?: ReviewStatus;
  seq?: number;
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

// ---- client → server -------------------------------------------------------------
interface Req {
  req?: string;
}
export interface ObjectCreate extends Req {
  type: "object.create";
  label?: string | null;
  name?: string;
}
export interface ObjectUpdate extends Req {
  type: "object.update";
  object_id: number;
  name?: string;
  label?: string | null;
  color?: string;
  review_status?: ReviewStatus;
}
export interface ObjectDelete extends Req {
  type: "object.delete";
  object_id: number;
}
export interface PromptAdd extends Req {
  type: "prompt.add";
  object_id: number;
  frame: number;
  points?: [number, number][];
  labels?: (0 | 1)[];
  box?: [number, number, number, number];
  clear_old?: boolean;
}
export interface PromptMask extends Req {
  type: "prompt.mask";
  object_id: number;
  frame: number;
  rle: Rle;
}
export interface PropagateStart extends Req {
  type: "propagate.start";
  frame?: number;
  direction: Direction;
  max_frames?: number;
}
export interface PropagateCancel extends Req {
  type: "propagate.cancel";
}
export interface Sync extends Req {
  type: "sync";
  since_seq: number;
}
export interface PresenceSend extends Req {
  type: "presence";
  frame: number;
  object_id?: number | null;
}
export interface Ping extends Req {
  type: "ping";
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
  | PresenceSend
  | Ping;

// ---- server → client -------------------------------------------------------------
export interface SessionState {
  type: "session.state";
  seq: number;
  objects: WireObject[];
  users: PresenceUser[];
  model?: { name: string; random_weights: boolean } | null;
  protocol?: number;
}
export interface Ack {
  type: "ack";
  req: string;
  seq?: number | null;
}
export interface ErrorMsg {
  type: "error";
  req?: string | null;
  code: string;
  message: string;
}
export interface ObjectCreated {
  type: "object.created";
  object: WireObject;
  seq: number;
  by: string | null;
  req?: string | null;
}
export interface ObjectUpdated {
  type: "object.updated";
  object: WireObject;
  seq: number;
  by: string | null;
  req?: string | null;
}
export interface ObjectDeleted {
  type: "object.deleted";
  object: WireObject | { id: number };
  seq: number;
  by: string | null;
  req?: string | null;
}
export interface MasksMsg {
  type: "masks";
  seq: number;
  frame: number;
  source: MaskSource;
  by: string | null;
  masks: WireMask[];
  req?: string | null;
}
export interface PropagationProgress {
  type: "propagation.progress";
  done: number;
  total: number;
  frame: number;
  by?: string | null;
  req?: string | null;
}
export interface PropagationDone {
  type: "propagation.done";
  cancelled: boolean;
  by?: string | null;
  req?: string | null;
}
export interface PresenceMsg {
  type: "presence";
  users: PresenceUser[];
}
export interface SyncDone {
  type: "sync.done";
  seq: number;
  req?: string | null;
}
export interface Pong {
  type: "pong";
  req?: string | null;
}

/** Messages that carry a per-video change `seq`. */
export type ChangeMessage = ObjectCreated | ObjectUpdated | ObjectDeleted | MasksMsg;

export type ServerMessage =
  | SessionState
  | Ack
  | ErrorMsg
  | ChangeMessage
  | PropagationProgress
  | PropagationDone
  | PresenceMsg
  | SyncDone
  | Pong;

export const CLIENT_TYPES = [
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
] as const;

export const SERVER_TYPES = [
  "session.state",
  "ack",
  "error",
  "object.created",
  "object.updated",
  "object.deleted",
  "masks",
  "propagation.progress",
  "propagation.done",
  "presence",
  "sync.done",
  "pong",
] as const;

export function isChange(m: ServerMessage): m is ChangeMessage {
  return (
    m.type === "object.created" ||
    m.type === "object.updated" ||
    m.type === "object.deleted" ||
    m.type === "masks"
  );
}
