"""MOTS (KITTI MOTS / MOTSChallenge txt): instances_txt/<video>.txt with one line per
object and frame, `frame id class_id img_height img_width rle`, masks disjoint per frame
and id = class_id × 1000 + instance."""
from __future__ import annotations

from webapp.exports import masks as M
from webapp.exports.formats.base import ExportError, ExportPlan, Progress, readme


def disjoint(rles: dict[int, dict], h: int, w: int) -> dict[int, dict]:
    """The frame's masks with overlaps resolved by the documented rule (see masks.py)."""
    live = {n: r for n, r in rles.items() if M.area(r) > 0}
    clash = M.overlapping(live) if len(live) > 1 else set()
    if not clash:
        return live  # already disjoint: the stored RLEs go out unchanged
    index = M.index_map({n: live[n] for n in clash}, h, w, fortran=True)
    out = {n: r for n, r in live.items() if n not in clash}
    for n in clash:
        m = index == n
        if m.any():
            out[n] = M.encode(m)
    return out


def write(plan: ExportPlan, zw, progress: Progress) -> None:
    weight = 0.5 if plan.include_frames else 1.0
    seqmap = []
    for vp in plan.videos:
        if len(vp.objects) >= 1000:
            raise ExportError(f"video {vp.video.pk} has {len(vp.objects)} masklets; MOTS ids "
                              "hold at most 999 instances per class")
        ids = {o.number: (o.category_id, o.category_id * 1000 + o.number) for o in vp.objects}
        h, w = vp.height, vp.width
        with zw.open(f"instances_txt/{vp.name}.txt") as out:
            for f, rles in plan.frame_masks(vp):
                for n, rle in sorted(disjoint(rles, h, w).items()):
                    cls, oid = ids[n]
                    out.write(f"{f} {oid} {cls} {h} {w} {rle['counts']}\n".encode("ascii"))
                progress(weight)
        if plan.include_frames:
            plan.copy_frames(zw, vp, lambda f, n=vp.name: f"images/{n}/{f:06d}.jpg", progress, 0.5)
        seqmap.append(f"{vp.name} empty 0 {vp.video.num_frames}\n")
    zw.write_text("maskflow.seqmap", "".join(seqmap))
    zw.write_text("README.md", readme(plan, "mots", """
instances_txt/<video>.txt: `frame object_id class_id img_height img_width rle` per line,
frames 0-based, rle the COCO compressed string; object_id = class_id * 1000 + instance,
where instance is the masklet's number (1..N) in its video. Masks are disjoint per frame.
images/<video>/<frame:06d>.jpg: the frames (when included). maskflow.seqmap lists sequences."""))
