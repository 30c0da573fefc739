// Imports and J&F evaluations of one video (docs/api.md, Imports and Evaluations).

export type JobStatus = "queued" | "running" | "done" | "failed";

export type ImportFormat = "davis" | "ytvis" | "coco" | "sav" | "mots" | "yolo" | "cvat";
export const IMPORT_FORMATS: { id: ImportFormat; label: string; hint: string }[] = [
  { id: "davis", label: "DAVIS", hint: "Annotations/<video>/<frame>.png (indexed PNG), optional meta.json" },
  { id: "ytvis", label: "YouTube-VIS", hint: "annotations.json (a zip or the bare JSON)" },
  { id: "coco", label: "COCO", hint: "instances_*.json or annotations.json, polygons or RLE" },
  { id: "sav", label: "SA-V", hint: "<video>_manual.json" },
  { id: "mots", label: "MOTS", hint: "instances_txt/<seq>.txt or instances/<seq>/*.png" },
  { id: "yolo", label: "YOLO segmentation", hint: "data.yaml + labels/**/<frame>.txt" },
  { id: "cvat", label: "CVAT for video 1.1", hint: "annotations.xml in a zip" },
];

/** A guess from the file name; the user can always change it. */
export function guessFormat(name: string): ImportFormat | null {
  const n = name.toLowerCase();
  for (const f of IMPORT_FORMATS) if (n.includes(f.id)) return f.id;
  if (n.endsWith(".xml")) return "cvat";
  if (n.includes("youtube")) return "ytvis";
  if (n.endsWith("_manual.json")) return "sav";
  return null;
}

export interface ImportResult {
  objects: number;
  masks: number;
  frames: number;
  object_ids: number[];
  warnings: string[];
}

export interface ImportJob {
  id: number;
  format: ImportFormat;
  status: JobStatus;
  progress: number;
  error: string;
  result: Partial<ImportResult>;
  video: number;
  filename: string;
  created_at: string;
  finished_at: string | null;
  warning?: string;
}

/** `{"import": id}` | `{"user": name}` | `{"objects": [ids]}` */
export type Selector = { import: number } | { user: string } | { objects: number[] };
export type Protocol = "semi-supervised" | "all-frames";

export interface Stats {
  mean: number | null;
  recall: number | null;
  decay: number | null;
}

export interface ObjectScore {
  reference_id: number;
  candidate_id: number | null;
  J: Stats;
  F: Stats;
  JF: number;
  /** (J+F)/2 per evaluated frame, in the order of `frames` (servers before it: absent). */
  frames_jf?: number[];
}

export interface FrameScore {
  frame: number;
  J: number;
  F: number;
  JF: number;
}

export interface EvalResult {
  protocol: Protocol;
  pairing: "explicit" | "hungarian";
  overall: { J: Stats; F: Stats; JF: number; frames: number; objects: number; bound_pixels: number };
  objects: ObjectScore[];
  frames: FrameScore[];
  unmatched_candidates: number[];
}

export interface Evaluation {
  id: number;
  video: number;
  status: JobStatus;
  progress: number;
  error: string;
  reference: Selector;
  candidate: Selector;
  options: { stride?: number; annotated_only?: boolean; protocol?: Protocol };
  j_mean: number | null;
  f_mean: number | null;
  jf_mean: number | null;
  result?: EvalResult | Record<string, never>;
  created_at: string;
  finished_at: string | null;
  warning?: string;
}

export const active = (s: JobStatus) => s === "queued" || s === "running";

/** The `n` frames with the lowest J&F, worst first. */
export function worstFrames(frames: FrameScore[], n = 5): FrameScore[] {
  return [...frames].sort((a, b) => a.JF - b.JF || a.frame - b.frame).slice(0, n);
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? "–" : `${(100 * v).toFixed(1)}`;
}
