// Consensus: two annotators' masklets of one video compared by J&F (docs/api.md, Consensus).
import type { FrameScore } from "./evaluate";
import type { Member } from "./types";

export interface ConsensusPair {
  a_id: number;
  b_id: number;
  J: number;
  F: number;
  JF: number;
  /** J, F and (J+F)/2 per evaluated frame. */
  frames: FrameScore[];
}

export interface Consensus {
  a: string;
  b: string;
  protocol: "all-frames" | "semi-supervised";
  frames: number;
  bound_pixels: number;
  /** Worst J&F first. */
  pairs: ConsensusPair[];
  unmatched_a: number[];
  unmatched_b: number[];
}

const ANNOTATING = new Set(["annotator", "admin", "owner"]);

/** The people whose work can be compared: members whose role may annotate, plus anyone
 *  assigned (who may have drawn before a role change), in the members' order. */
export function annotators(members: Member[], assigned: (string | null | undefined)[] = []): string[] {
  const out = members.filter((m) => ANNOTATING.has(m.role)).map((m) => m.username);
  for (const name of assigned) if (name && !out.includes(name)) out.push(name);
  return out;
}

/** Default pair: the video's assignee and second assignee, else the first two who annotate. */
export function defaultPair(people: string[], assignee?: string | null, second?: string | null): [string, string] {
  const a = assignee && people.includes(assignee) ? assignee : (people[0] ?? "");
  const b = second && second !== a && people.includes(second) ? second : (people.find((p) => p !== a) ?? "");
  return [a, b];
}

export function consensusUrl(videoId: number, a: string, b: string): string {
  const q = new URLSearchParams({ a, b });
  return `/api/videos/${videoId}/consensus/?${q}`;
}

/** A pick's body: keep one masklet of the pair, drop the other. */
export function pickBody(pair: ConsensusPair, side: "a" | "b"): { keep: number; drop: number } {
  return side === "a" ? { keep: pair.a_id, drop: pair.b_id } : { keep: pair.b_id, drop: pair.a_id };
}

/** Pairs whose masklets are both still live (a pick made elsewhere drops one: hide the row
 *  until the next comparison). */
export function livePairs(pairs: ConsensusPair[], live: Set<number>): ConsensusPair[] {
  return pairs.filter((p) => live.has(p.a_id) && live.has(p.b_id));
}
