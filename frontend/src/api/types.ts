// REST shapes, as documented in docs/api.md.

import { ROLE_ACTIONS, type Action, type Role } from "./projectRules";

export { ROLES, type Action, type Role } from "./projectRules";

/** webapp.projects.models.can, over the generated table: the UI disables what the server refuses. */
export function can(role: Role | null | undefined, action: Action): boolean {
  return !!role && (ROLE_ACTIONS[role] ?? []).includes(action);
}

export interface Me {
  id: number;
  username: string;
  email: string;
  is_staff: boolean;
}

export interface LabelClass {
  id: number;
  name: string;
  color: string;
  order: number;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  labels: LabelClass[];
  role: Role | null;
  num_videos: number;
  created_at: string;
}

export interface Member {
  user_id: number;
  username: string;
  role: Role;
}

export type VideoStatus = "processing" | "ready" | "failed";

export interface Video {
  id: number;
  project: number;
  name: string;
  status: VideoStatus;
  progress: number;
  error: string;
  warning: string;
  num_frames: number;
  fps: number;
  width: number;
  height: number;
  duration: number;
  created_at: string;
  /** The workflow (docs/api.md, Workflow): usernames or null, and the stage. */
  assignee?: string | null;
  reviewer?: string | null;
  /** A second annotator labelling the same video for consensus (docs/api.md, Consensus). */
  second_assignee?: string | null;
  stage?: "annotate" | "review" | "done";
  /** The thumbnail's frame: the first one that is not dark or flat (set at ingest). */
  poster_frame?: number;
  /** Seconds per frame (decode order); only on the detail (GET /api/videos/{id}/). */
  timestamps?: number[];
}

export interface ModelInfo {
  model: string;
  random_weights: boolean;
  device: string;
  checkpoint?: string | null;
}

export interface Rle {
  size: [number, number];
  counts: string;
}

export interface RestMask {
  object_id: number;
  frame: number;
  rle: Rle;
  score: number | null;
  source: "prompt" | "propagation" | "import";
}

export interface RestPrompt {
  seq: number;
  object_id: number;
  frame: number;
  kind: "point" | "box" | "mask";
  /** point/box: {points, labels, box, clear_old} as sent in prompt.add; mask: {rle} */
  payload: { points?: number[][] | null; labels?: number[] | null; box?: number[] | null; clear_old?: boolean } | null;
  user: string | null;
  created_at: string;
}

export interface TimelineTrack {
  object_id: number;
  mask_frames: number[];
  prompt_frames: number[];
}

export type ExportFormat = "davis" | "ytvis" | "coco" | "sav" | "yolo" | "mots" | "cvat";
export const EXPORT_FORMATS: { id: ExportFormat; label: string }[] = [
  { id: "davis", label: "DAVIS (indexed PNG)" },
  { id: "ytvis", label: "YouTube-VIS (JSON)" },
  { id: "coco", label: "COCO (RLE JSON)" },
  { id: "sav", label: "SA-V (JSON)" },
  { id: "yolo", label: "YOLO segmentation" },
  { id: "mots", label: "MOTS (txt)" },
  { id: "cvat", label: "CVAT for video 1.1 (XML)" },
];

export interface ExportJob {
  id: number;
  format: ExportFormat;
  status: "queued" | "running" | "done" | "failed";
  progress: number;
  error: string;
  download_url: string | null;
  created_at?: string;
  finished_at?: string | null;
  /** The video exported; null for a whole-project export. */
  video?: number | null;
  size_bytes?: number;
  frames_written?: number;
  options?: { stride?: number; accepted_only?: boolean; include_frames?: boolean };
  /** The zip was deleted (retention); `download_url` is null then. */
  expired?: boolean;
  expires_at?: string | null;
  /** Set while no worker has picked the queued job up (e.g. no CPU worker is running). */
  warning?: string;
}
