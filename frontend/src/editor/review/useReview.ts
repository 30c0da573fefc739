// The review state of the editor's room: comments and flags read over REST once the room is
// joined, then kept live from its messages; access.changed re-reads the project's role.
import { useEffect, useMemo, useSyncExternalStore } from "react";
import { api } from "../../api/client";
import type { Comment, Flag } from "../../api/review";
import type { Project, Video } from "../../api/types";
import type { EditorController } from "../controller";
import { ReviewState } from "./reviewState";

export function useReview(ctl: EditorController, video: Video, project: Project, joined: boolean) {
  const review = useMemo(
    () => new ReviewState({ assignee: video.assignee ?? null, reviewer: video.reviewer ?? null, stage: video.stage ?? "annotate" }),
    [video.id], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const version = useSyncExternalStore(review.subscribe, review.getVersion);

  useEffect(
    () =>
      ctl.client.onMessage((m) => {
        review.apply(m);
        if (m.type === "access.changed") {
          // The pushed role already applies; the project read confirms it (and its labels).
          api<Project>(`/api/projects/${project.id}/`)
            .then((p) => p.role && review.setPushedRole(p.role))
            .catch(() => {});
        }
      }),
    [ctl, review, project.id],
  );

  // After every (re)join: comments and flags may have changed while we were away.
  useEffect(() => {
    if (!joined) return;
    const off = ctl.client.onMessage((m) => {
      if (m.type !== "session.state") return;
      load();
    });
    const load = () => {
      api<Comment[]>(`/api/videos/${video.id}/comments/`).then((rows) => review.loadComments(rows), () => {});
      api<Flag[]>(`/api/videos/${video.id}/flags/`).then((rows) => review.loadFlags(rows), () => {});
      // A video.updated missed while disconnected: the stage and people as they are now.
      api<Video>(`/api/videos/${video.id}/`).then(
        (v) => {
          const w = review.workflow;
          // REST has no send-back reason: keep the one heard live while the stage is the same.
          const keep = w.stage === v.stage ? { reason: w.reason, by: w.by } : {};
          if (v.stage) review.setWorkflow({ assignee: v.assignee ?? null, reviewer: v.reviewer ?? null, stage: v.stage, ...keep });
        },
        () => {},
      );
    };
    load();
    return off;
  }, [joined, ctl, review, video.id]);

  return { review, reviewVersion: version };
}
