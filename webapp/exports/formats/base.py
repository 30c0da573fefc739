"""What every format writer gets: the export plan (videos, frames, objects, categories)
and streaming iterators over the stored masks."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from django.db.models.functions import Mod
from django.utils.text import slugify

from webapp.annotations.models import FrameMask, Object, ReviewStatus
from webapp.projects.models import LabelClass, Project
from webapp.videos.models import Video

UNLABELED = "unlabeled"
Progress = Callable[[float], None]  # called with frames done since the last call


class ExportError(Exception):
    """The export cannot be produced; the message is shown to the user."""


@dataclass
class ObjectInfo:
    pk: int
    number: int  # 1..N within its video: DAVIS index, MOTS instance
    name: str
    category: str  # label name, or UNLABELED
    class_index: int  # 0-based in the project's label order (YOLO); category_id = +1

    @property
    def category_id(self) -> int:
        return self.class_index + 1


@dataclass
class VideoPlan:
    video: Video
    name: str  # directory-safe, unique within the export
    frames: list[int]
    objects: list[ObjectInfo]
    by_pk: dict[int, ObjectInfo] = field(default_factory=dict)
    stride: int = 1  # every `stride`-th frame of this video (frames = 0, stride, ...)

    @property
    def height(self) -> int:
        return self.video.height

    @property
    def width(self) -> int:
        return self.video.width


@dataclass
class ExportPlan:
    project: Project
    videos: list[VideoPlan]
    categories: list[str]  # index = class_index
    stride: int  # the requested stride; 0 = each video's format default (VideoPlan.stride)
    accepted_only: bool
    include_frames: bool
    options: dict = field(default_factory=dict)  # the job's options, for format-specific ones

    @property
    def total_frames(self) -> int:
        return sum(len(v.frames) for v in self.videos)

    def frame_masks(self, vp: VideoPlan) -> Iterator[tuple[int, dict[int, dict]]]:
        """(frame, {object number: rle}) for every exported frame, in order, empty frames
        included. Reads the masks through a database cursor, never all at once."""
        if not vp.objects:
            for f in vp.frames:
                yield f, {}
            return
        qs = FrameMask.objects.filter(video=vp.video, object_id__in=list(vp.by_pk))
        if vp.stride > 1:
            qs = qs.annotate(_m=Mod("frame", vp.stride)).filter(_m=0)
        rows = qs.order_by("frame", "object_id").values_list("frame", "object_id", "rle")
        grouped = itertools.groupby(rows.iterator(chunk_size=2000), key=lambda r: r[0])
        pending = next(grouped, None)
        for f in vp.frames:
            masks: dict[int, dict] = {}
            while pending is not None and pending[0] < f:
                pending = next(grouped, None)
            if pending is not None and pending[0] == f:
                for _, oid, rle in pending[1]:
                    masks[vp.by_pk[oid].number] = rle
                pending = next(grouped, None)
            yield f, masks

    def copy_frames(self, zw, vp: VideoPlan, path: Callable[[int], str], progress: Progress,
                    weight: float = 1.0) -> None:
        """Copy the JPEGs of the exported frames into the zip (no re-encoding)."""
        for f in vp.frames:
            try:
                zw.copy_from_storage(path(f), vp.video.frame_path(f))
            except FileNotFoundError:
                raise ExportError(f"frame {f} of video {vp.video.pk} is missing in storage") from None
            progress(weight)


def dir_name(video: Video, taken: set[str]) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", video.name or "")
    base = slugify(stem)[:60] or f"video-{video.pk}"
    name = base if base not in taken else f"{base}-{video.pk}"
    taken.add(name)
    return name


def build_plan(project: Project, videos: list[Video], options: dict,
               default_stride: Callable[[Video], int] | None = None) -> ExportPlan:
    """`default_stride(video)` gives the stride where the options name none (SA-V's frame
    rate); otherwise every frame."""
    stride = int(options.get("stride") or 0)
    accepted_only = bool(options.get("accepted_only", False))
    include_frames = bool(options.get("include_frames", True))
    labels = list(LabelClass.objects.filter(project=project).order_by("order", "id"))
    label_index = {lc.pk: i for i, lc in enumerate(labels)}
    categories = [lc.name for lc in labels]
    unlabeled_index: int | None = None
    taken: set[str] = set()
    plans: list[VideoPlan] = []
    for video in videos:
        qs = Object.objects.filter(video=video, deleted=False).select_related("label")
        if accepted_only:
            qs = qs.filter(review_status=ReviewStatus.ACCEPTED)
        infos: list[ObjectInfo] = []
        for n, obj in enumerate(qs.order_by("id"), start=1):
            if obj.label_id is not None and obj.label_id in label_index:
                ci, cat = label_index[obj.label_id], obj.label.name
            else:
                if unlabeled_index is None:
                    name = UNLABELED
                    while name in categories:
                        name = "_" + name
                    unlabeled_index = len(categories)
                    categories.append(name)
                ci, cat = unlabeled_index, categories[unlabeled_index]
            infos.append(ObjectInfo(obj.pk, n, obj.name or f"{cat} {n}", cat, ci))
        vs = stride or (default_stride(video) if default_stride else 1)
        vp = VideoPlan(video, dir_name(video, taken), list(range(0, video.num_frames, vs)), infos,
                       stride=vs)
        vp.by_pk = {o.pk: o for o in infos}
        plans.append(vp)
    if not stride and default_stride is None:
        stride = 1
    return ExportPlan(project, plans, categories, stride, accepted_only, include_frames,
                      dict(options))


def stride_text(plan: ExportPlan) -> str:
    strides = sorted({vp.stride for vp in plan.videos}) or [plan.stride or 1]
    if len(strides) == 1:
        return str(strides[0])
    return ", ".join(f"{vp.name}: {vp.stride}" for vp in plan.videos)


def readme(plan: ExportPlan, fmt: str, body: str) -> str:
    cats = "\n".join(f"  {i}: {c}" for i, c in enumerate(plan.categories)) or "  (none)"
    return (
        f"Maskflow export, format {fmt}\n"
        f"project: {plan.project.name}\n"
        f"videos: {', '.join(v.name for v in plan.videos)}\n"
        f"frame stride: {stride_text(plan)} (frame numbers in file names are the video's own "
        f"0-based frame indices)\n"
        f"accepted masklets only: {plan.accepted_only}\n"
        f"frames included: {plan.include_frames}\n"
        f"classes (0-based index: name; COCO/YTVIS category_id and MOTS class = index + 1):\n"
        f"{cats}\n\n{body.strip()}\n\n"
        "Overlaps: formats that need disjoint masks (davis, mots) resolve each pixel claimed\n"
        "by several masklets deterministically: the masklet with the smaller mask on that\n"
        "frame wins; equal areas go to the lower object number.\n"
    )
