// A video's stage and people on the project page: owners and admins pick the annotator, the
// second annotator (consensus: the video labelled twice) and the reviewer among the members
// whose role allows it, and may set the stage; others read them.
import { useState } from "react";
import { patchVideo, STAGES, type Stage } from "../../api/review";
import { can, type Member, type Video } from "../../api/types";
import { useScopedToast } from "../../components/toasts";
import { STAGE_TEXT } from "../../editor/review/StageBar";
import "../work.css";

export default function Assignment({
  video,
  members,
  canManage,
  onChange,
}: {
  video: Video;
  members: Member[];
  canManage: boolean;
  onChange: () => void;
}) {
  const toast = useScopedToast();
  const [busy, setBusy] = useState(false);
  const stage = video.stage ?? "annotate";
  if (!canManage)
    return (
      <div className="assign" data-testid="assignment">
        <span className="assign-label">stage</span>
        <span>
          <span className={`stage-badge stage-${stage}`} data-testid="video-stage">
            {STAGE_TEXT[stage]}
          </span>
        </span>
        <span className="assign-label">annotator</span>
        <span data-testid="video-assignee">{video.assignee ?? "—"}</span>
        {video.second_assignee && (
          <>
            <span className="assign-label">2nd annotator</span>
            <span data-testid="video-second-assignee">{video.second_assignee}</span>
          </>
        )}
        <span className="assign-label">reviewer</span>
        <span data-testid="video-reviewer">{video.reviewer ?? "—"}</span>
      </div>
    );
  const set = async (body: { assignee?: string | null; second_assignee?: string | null; reviewer?: string | null; stage?: Stage }) => {
    setBusy(true);
    try {
      await patchVideo(video.id, body);
    } catch (e) {
      toast("error", (e as Error).message);
    } finally {
      setBusy(false);
      onChange();
    }
  };
  const people = (action: "annotate" | "review", current: string | null | undefined) => {
    const names = members.filter((m) => can(m.role, action)).map((m) => m.username);
    if (current && !names.includes(current)) names.push(current);
    return names;
  };
  return (
    <div className="assign" data-testid="assignment">
      <label className="assign-label" htmlFor={`stage-${video.id}`}>
        stage
      </label>
      <select id={`stage-${video.id}`} value={stage} disabled={busy} onChange={(e) => set({ stage: e.target.value as Stage })} data-testid="video-stage">
        {STAGES.map((s) => (
          <option key={s} value={s}>
            {STAGE_TEXT[s]}
          </option>
        ))}
      </select>
      <label className="assign-label" htmlFor={`assignee-${video.id}`}>
        annotator
      </label>
      <select id={`assignee-${video.id}`} value={video.assignee ?? ""} disabled={busy} onChange={(e) => set({ assignee: e.target.value || null })} data-testid="video-assignee">
        <option value="">— nobody —</option>
        {people("annotate", video.assignee).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <label className="assign-label" htmlFor={`second-${video.id}`} title="A second, independent annotation of the video, compared in the review panel's Consensus">
        2nd annotator
      </label>
      <select
        id={`second-${video.id}`}
        value={video.second_assignee ?? ""}
        disabled={busy}
        onChange={(e) => set({ second_assignee: e.target.value || null })}
        data-testid="video-second-assignee"
      >
        <option value="">— nobody —</option>
        {people("annotate", video.second_assignee)
          .filter((n) => n !== video.assignee)
          .map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
      </select>
      <label className="assign-label" htmlFor={`reviewer-${video.id}`}>
        reviewer
      </label>
      <select id={`reviewer-${video.id}`} value={video.reviewer ?? ""} disabled={busy} onChange={(e) => set({ reviewer: e.target.value || null })} data-testid="video-reviewer">
        <option value="">— nobody —</option>
        {people("review", video.reviewer).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </div>
  );
}
