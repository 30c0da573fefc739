// REST shapes and calls of the team workflow (docs/api.md: Workflow, Comments and review,
// Quality flags, Analytics, users and passwords).
import { api } from "./client";
import type { CommentOut, FlagOut } from "../protocol/messages";

export type Stage = "annotate" | "review" | "done";
export const STAGES: Stage[] = ["annotate", "review", "done"];
export type Comment = CommentOut;
export type FlagReason = FlagOut["reasons"][number];

export interface Flag extends FlagOut {
  object_id: number;
}

export interface WorkVideo {
  id: number;
  name: string;
  status: string;
  stage: Stage;
  assignee: string | null;
  reviewer: string | null;
  my_part: ("annotate" | "review")[];
  num_frames: number;
  frames_with_masks: number;
  masklets: number;
  masklets_accepted: number;
  masklets_rejected: number;
  open_comments: number;
}

export interface WorkProject {
  project: { id: number; name: string };
  role: string;
  videos: WorkVideo[];
}

export interface UserHit {
  id: number;
  username: string;
}

export const METRICS = [
  "annotation_seconds",
  "review_seconds",
  "clicks",
  "mask_edits",
  "propagation_runs",
  "frames_with_masks",
  "seconds_per_frame",
  "frames_corrected_after_propagation",
  "review_rounds",
  "rejections",
  "rejection_rate",
] as const;
export type Metric = (typeof METRICS)[number];
export type MetricRow = Record<Metric, number | null>;

export interface AnalyticsReport {
  idle_rule: string;
  project: MetricRow;
  annotators: (MetricRow & { user_id: number; username: string | null })[];
  videos: (MetricRow & { video_id: number; name: string | null })[];
  masklets: (MetricRow & { object_id: number; video_id: number | null; name: string | null })[];
  days: (MetricRow & { date: string })[];
}

/** What a flag reason means, for tooltips and the review panel. */
export const REASON_TEXT: Record<FlagReason, string> = {
  low_iou: "low predicted IoU",
  low_object_score: "low object score",
  area_jump: "area jumps",
  centroid_jump: "mask moves abruptly",
  vanished: "mask vanishes",
  reappeared: "mask reappears",
  fwd_bwd_disagree: "forward/backward disagree",
};

export const patchVideo = (id: number, body: { assignee?: string | null; second_assignee?: string | null; reviewer?: string | null; stage?: Stage; reason?: string; name?: string }) =>
  api(`/api/videos/${id}/`, { method: "PATCH", body });

export const searchUsers = (q: string, signal?: AbortSignal) =>
  api<UserHit[]>(`/api/users/?q=${encodeURIComponent(q)}`, { signal });
