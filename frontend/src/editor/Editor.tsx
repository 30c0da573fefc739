// The video editor: frame canvas with mask overlays, prompting, objects, propagation,
// timeline and live collaboration over /ws/videos/{id}/. State lives in hooks (room,
// playback, shortcuts, performance marks); this component lays the parts out.
import { useCallback, useMemo, useState } from "react";
import { can, type ModelInfo, type Project, type Role, type Video } from "../api/types";
import { useAuth } from "../components/auth";
import { TopBar } from "../components/layout";
import type { Direction } from "../protocol/wire";
import { nextColor } from "./controller";
import HelpOverlay from "./HelpOverlay";
import ImportEvaluateDrawer from "./evaluate/ImportEvaluateDrawer";
import { ConnectionNotices, RandomWeightsBanner } from "./Notices";
import { labelColors, recolor } from "./colors";
import ObjectPanel from "./ObjectPanel";
import CommentPins from "./review/CommentPins";
import ReviewPanel from "./review/ReviewPanel";
import StageBar from "./review/StageBar";
import { useReview } from "./review/useReview";
import { useReviewTools } from "./review/useReviewTools";
import { editableMask, fillHoles, maskToRle, removeSpecks, type Mask } from "./paint";
import { PeoplePanel, RoomStatus } from "./Presence";
import PropagatePanel from "./PropagatePanel";
import Stage, { type Tool } from "./Stage";
import Timeline from "./Timeline";
import ToolRail from "./ToolRail";
import Transport from "./Transport";
import { usePerfMarks } from "./usePerfMarks";
import { usePlayback } from "./usePlayback";
import { useFrameMasks, useRoom, type Toast } from "./useRoom";
import { useShortcuts } from "./useShortcuts";
import { useUndo } from "./useUndo";
import { useMasklets } from "./useMasklets";

export default function Editor({ video, project, model, toast }: { video: Video; project: Project; model: ModelInfo | null; toast: Toast }) {
  const W = video.width;
  const H = video.height;
  const N = video.num_frames;
  const fps = video.fps > 0 ? video.fps : 25;
  const { ctl, cache, store, version, joined, conn } = useRoom(video, toast);
  const { frame, frameRef, setFrame, seek, playing, setPlaying } = usePlayback(N, fps, cache);
  useFrameMasks(ctl, cache, video, { frame, frameRef, playing, fps, joined });
  const onPainted = usePerfMarks(ctl, cache, frameRef);
  const { me } = useAuth();
  const { review, reviewVersion } = useReview(ctl, video, project, joined);

  const [opacity, setOpacity] = useState(0.5);
  const [showPrompts, setShowPrompts] = useState(true);
  const [help, setHelp] = useState(false);
  // The Import / Evaluate drawer; /videos/{id}?panel=evaluate opens with it.
  const [evaluate, setEvaluate] = useState(() => new URLSearchParams(window.location.search).get("panel") === "evaluate");
  const [newLabel, setNewLabel] = useState<string | null>(project.labels[0]?.name ?? null);
  const [onlySelected, setOnlySelected] = useState(false);
  // Hand tools: the tool, the brush radius (video pixels) and the clean-up size (pixels).
  const [tool, setTool] = useState<Tool>("prompt");
  const maxRadius = Math.max(8, Math.round(Math.max(W, H) / 4));
  const [brushRadius, setBrushRadiusState] = useState(() => Math.max(2, Math.round(Math.max(W, H) / 80)));
  const setBrushRadius = useCallback(
    (r: number) => setBrushRadiusState(Math.max(1, Math.min(maxRadius, Math.round(r * 10) / 10))),
    [maxRadius],
  );
  const [cleanSize, setCleanSize] = useState(() => Math.max(16, Math.round((W * H) / 2000)));

  const selected = ctl.selected;
  // access.changed pushes a new role live; a removal (close 4403) leaves no role at all.
  const removed = conn === "failed" && ctl.client.failure?.code === 4403;
  const role: Role | null = removed ? null : ((review.pushedRole ?? store.role) as Role | null) ?? project.role;
  const canAnnotate = can(role, "annotate");
  const canReview = can(role, "review");

  const selectObject = useCallback((oid: number) => ctl.select(oid), [ctl]);
  // A finished brush/eraser stroke or polygon: the object's whole new mask on that frame.
  const onMaskEdit = useCallback(
    (f: number, objectId: number | null, mask: Mask) => ctl.setMask(f, objectId, maskToRle(mask, H, W), newLabel),
    [ctl, H, W, newLabel],
  );
  /** Fill holes / remove specks under `cleanSize` pixels on the selected object's frame. */
  const cleanUp = useCallback(
    (what: "holes" | "specks") => {
      const id = ctl.selected;
      const f = frameRef.current;
      if (!canAnnotate || id === null) return;
      const entry = store.masksAt(f)?.get(id);
      if (!entry || entry.empty) {
        toast("info", "The selected object has no mask on this frame.");
        return;
      }
      const mask = editableMask(entry.rle, H, W);
      const n = what === "holes" ? fillHoles(mask, H, W, cleanSize) : removeSpecks(mask, H, W, cleanSize);
      if (n === 0) {
        toast("info", what === "holes" ? `No holes of at most ${cleanSize} px.` : `No specks under ${cleanSize} px.`);
        return;
      }
      void ctl.setMask(f, id, maskToRle(mask, H, W));
      toast("success", what === "holes" ? `Filled ${n} px of holes.` : `Removed ${n} px of specks.`);
    },
    [ctl, store, H, W, cleanSize, canAnnotate, toast, frameRef],
  );
  const propagate = useCallback(
    (direction: Direction) => {
      if (!canAnnotate) return;
      ctl.propagate(frameRef.current, direction, onlySelected);
    },
    [ctl, canAnnotate, onlySelected, frameRef],
  );
  const { undo, redo } = useUndo(ctl, frameRef, canAnnotate, toast);
  useShortcuts({
    ctl, numFrames: N, frameRef, setFrame, setPlaying, canAnnotate, newLabel, propagate,
    help, setHelp, setTool, brushRadius, setBrushRadius, setOpacity, undo, redo,
  });

  // Stable between store changes, so memoised children skip playhead-only renders.
  // Drawn in their label's colour where the label has one (a relabel recolours at once).
  const byLabel = useMemo(() => labelColors(project.labels), [project.labels]);
  const objects = useMemo(() => recolor(store.sortedObjects(), byLabel), [store, version, byLabel]); // eslint-disable-line react-hooks/exhaustive-deps
  const colors = useMemo(() => new Map(objects.map((o) => [o.id, o.color])), [objects]);
  const maskCounts = new Map<number, number>();
  for (const [oid, t] of store.tracks) maskCounts.set(oid, t.maskFrames.size);
  const rv = useReviewTools({
    review, reviewVersion, store, version, objects, frameRef, seek, select: (id) => ctl.select(id),
    canComment: canAnnotate || canReview, toast,
  });
  const masklets = useMasklets({ ctl, objects, frame, frameRef, seek, numFrames: N, canAnnotate, toast });
  const prop = store.propagation;
  const randomWeights = store.model?.random_weights ?? model?.random_weights ?? false;

  return (
    <div className={`editor ${rv.commentMode ? "comment-mode" : ""}`} data-role={role ?? ""} data-connection={conn}>
      <TopBar
        crumbs={[
          { label: "Projects", to: "/" },
          { label: project.name, to: `/projects/${project.id}` },
          { label: video.name },
        ]}
      >
        <StageBar videoId={video.id} workflow={review.workflow} me={me?.username ?? null} manage={can(role, "manage")} toast={toast} />
        <button className="btn btn-sm" onClick={() => setEvaluate(true)} data-testid="open-evaluate" title="Import an annotation file, or compare two annotation sets (J&F)">
          Import / Evaluate
        </button>
        <RoomStatus ctl={ctl} conn={conn} onHelp={() => setHelp(true)} />
      </TopBar>
      {randomWeights && <RandomWeightsBanner name={store.model?.name ?? model?.model ?? "SAM 2"} />}
      <ConnectionNotices client={ctl.client} conn={conn} />
      <div className="editor-body">
        <ToolRail
          ctl={ctl}
          frame={frame}
          canAnnotate={canAnnotate}
          canReview={canReview}
          role={role}
          tool={tool}
          setTool={setTool}
          brushRadius={brushRadius}
          maxRadius={maxRadius}
          setBrushRadius={setBrushRadius}
          cleanSize={cleanSize}
          setCleanSize={setCleanSize}
          cleanUp={cleanUp}
          opacity={opacity}
          setOpacity={setOpacity}
          showPrompts={showPrompts}
          setShowPrompts={setShowPrompts}
          onHelp={() => setHelp(true)}
          undo={undo}
          redo={redo}
        />
        <Stage
          width={W}
          height={H}
          frame={frame}
          cache={cache}
          store={store}
          version={version}
          selected={selected}
          opacity={opacity}
          showPrompts={showPrompts}
          editable={rv.commentMode || (canAnnotate && (conn === "open" || conn === "syncing"))}
          onClick={(x, y, label) => (rv.commentMode ? rv.pickPoint(x, y) : ctl.click(frame, x, y, label, newLabel))}
          onBox={(x0, y0, x1, y1) => !rv.commentMode && ctl.box(frame, x0, y0, x1, y1, newLabel)}
          onPainted={onPainted}
          tool={canAnnotate && !rv.commentMode ? tool : "prompt"}
          brushRadius={brushRadius}
          onBrushRadius={setBrushRadius}
          onMaskEdit={onMaskEdit}
          newColor={(newLabel && byLabel.get(newLabel)) || nextColor(objects.map((o) => o.color))}
          colors={colors}
          overlay={(r) => <CommentPins comments={review.comments.values()} frame={frame} point={rv.point} r={r} />}
        />
        <aside className="sidebar">
          <ObjectPanel
            objects={objects}
            labels={project.labels}
            selected={selected}
            hidden={store.hidden}
            frameMasks={store.masksAt(frame)}
            maskCounts={maskCounts}
            canAnnotate={canAnnotate}
            canReview={canReview}
            newLabel={newLabel}
            setNewLabel={setNewLabel}
            ctl={ctl}
            onToggleHidden={(oid) => store.setHidden(oid, !store.hidden.has(oid))}
            menu={masklets.menuFor}
          />
          {masklets.dialog}
          <ReviewPanel
            videoId={video.id}
            review={review}
            reviewVersion={reviewVersion}
            frame={frame}
            objects={objects}
            selected={selected}
            canComment={canAnnotate || canReview}
            canReview={canReview}
            frameFlags={rv.frameFlags}
            queue={rv.queue}
            reviewMode={rv.reviewMode}
            setReviewMode={rv.setReviewMode}
            commentMode={rv.commentMode}
            setCommentMode={rv.setCommentMode}
            point={rv.point}
            clearPoint={rv.clearPoint}
            onSeek={seek}
            onSelect={selectObject}
            stepFlag={rv.stepFlag}
            stepQueue={rv.stepQueue}
            toast={toast}
          />
          <PropagatePanel ctl={ctl} canAnnotate={canAnnotate} onlySelected={onlySelected} setOnlySelected={setOnlySelected} propagate={propagate} toast={toast} />
          <PeoplePanel ctl={ctl} onSeek={setFrame} />
        </aside>
      </div>
      <Transport
        frame={frame}
        numFrames={N}
        fps={fps}
        timestamps={video.timestamps}
        playing={playing}
        setPlaying={setPlaying}
        setFrame={setFrame}
        seek={seek}
      />
      <Timeline
        numFrames={N}
        frame={frame}
        objects={objects}
        tracks={store.tracks}
        selected={selected}
        users={store.users}
        you={store.you}
        version={store.trackVersion}
        propagatingFrame={prop?.running ? prop.frame : null}
        onSeek={seek}
        onSelect={selectObject}
        marks={rv.marks}
      />
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
      {evaluate && (
        <ImportEvaluateDrawer
          videoId={video.id}
          projectId={project.id}
          numFrames={N}
          objects={objects}
          canAnnotate={canAnnotate}
          canEvaluate={canAnnotate || canReview}
          onOpenFrame={(f, oid) => {
            setEvaluate(false);
            seek(f);
            if (oid !== undefined) ctl.select(oid);
          }}
          onClose={() => setEvaluate(false)}
        />
      )}
    </div>
  );
}
