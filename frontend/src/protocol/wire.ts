// Hand-written helpers over the generated protocol types (messages.ts is generated from the
// server's JSON Schema: `npm run gen:protocol`). Types here are derived, never restated.
import type {
  Masks,
  ObjectEvent,
  ObjectUpdate,
  PromptAdded,
  PropagateStart,
  ServerMessage,
  SessionState,
} from "./messages";
import { PROTOCOL_VERSION } from "./messages";

export type Direction = NonNullable<PropagateStart["direction"]>;
export type ReviewStatus = NonNullable<ObjectUpdate["review_status"]>;
export type MaskSource = Masks["source"];

/** Messages that carry a per-video change `seq`. */
export type ChangeMessage = ObjectEvent | Masks | PromptAdded;

const CHANGE_TYPES: ReadonlySet<string> = new Set<ChangeMessage["type"]>([
  "object.created",
  "object.updated",
  "object.deleted",
  "masks",
  "prompt.added",
]);

export function isChange(m: ServerMessage): m is ChangeMessage {
  return CHANGE_TYPES.has(m.type);
}

/** The server speaks another protocol version than this build: the page must be reloaded. */
export function serverUpdated(state: SessionState): boolean {
  return state.protocol !== undefined && state.protocol !== PROTOCOL_VERSION;
}
