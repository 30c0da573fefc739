"""manage.py evaluate VIDEO_ID --reference SEL --candidate SEL: J&F (DAVIS protocol) of one
annotation set against another, stored as an Evaluation and printed.

Selectors: import:<import job id>, user:<username>, objects:<id>,<id>,...
"""
import json

from django.core.management.base import BaseCommand, CommandError

from webapp.exports.evaluate_job import run_evaluation
from webapp.exports.evaluation import EvaluationError, select
from webapp.exports.models import Evaluation, JobStatus
from webapp.videos.models import Video


def parse_selector(text: str) -> dict:
    kind, sep, value = text.partition(":")
    if not sep or not value:
        raise CommandError(f"bad selector {text!r}: use import:ID, user:NAME or objects:ID,ID")
    if kind == "import":
        return {"import": int(value)}
    if kind == "user":
        return {"user": value}
    if kind == "objects":
        try:
            return {"objects": [int(v) for v in value.split(",") if v]}
        except ValueError:
            raise CommandError(f"bad object ids in {text!r}") from None
    raise CommandError(f"unknown selector kind {kind!r}")


class Command(BaseCommand):
    help = "Compare two annotation sets of a video with J&F (DAVIS protocol) and store it."

    def add_arguments(self, parser):
        parser.add_argument("video_id", type=int)
        parser.add_argument("--reference", required=True, help="import:ID | user:NAME | objects:IDS")
        parser.add_argument("--candidate", required=True, help="import:ID | user:NAME | objects:IDS")
        parser.add_argument("--stride", type=int, default=1)
        parser.add_argument("--annotated-only", action="store_true",
                            help="only frames where the reference has a mask")
        parser.add_argument("--pair", action="append", default=[], metavar="REF:CAND",
                            help="pair objects explicitly (repeatable); default: match by IoU")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, *args, **o):
        video = Video.objects.filter(pk=o["video_id"]).first()
        if video is None:
            raise CommandError(f"video {o['video_id']} does not exist")
        ref, cand = parse_selector(o["reference"]), parse_selector(o["candidate"])
        try:
            select(video, ref)
            select(video, cand)
        except EvaluationError as e:
            raise CommandError(str(e)) from None
        opts = {"stride": o["stride"], "annotated_only": o["annotated_only"]}
        if o["pair"]:
            try:
                opts["pairs"] = [[int(x) for x in p.split(":")] for p in o["pair"]]
            except ValueError:
                raise CommandError("--pair takes REF_ID:CAND_ID") from None
        ev = Evaluation.objects.create(video=video, reference=ref, candidate=cand, options=opts)
        ev = run_evaluation(ev.pk)
        if ev.status != JobStatus.DONE:
            raise CommandError(f"evaluation {ev.pk} failed: {ev.error}")
        if o["json"]:
            self.stdout.write(json.dumps({"id": ev.pk, **ev.result}, indent=2))
            return
        r = ev.result
        self.stdout.write(f"evaluation {ev.pk}: video {video.pk}, {r['overall']['frames']} frames, "
                          f"tolerance {r['overall']['bound_pixels']} px")
        self.stdout.write(f"{'reference':>10} {'candidate':>10} {'J':>7} {'F':>7} {'J&F':>7}")
        for obj in r["objects"]:
            self.stdout.write(f"{obj['reference_id']:>10} {str(obj['candidate_id']):>10} "
                              f"{obj['J']['mean']:7.4f} {obj['F']['mean']:7.4f} {obj['JF']:7.4f}")
        self.stdout.write(f"{'overall':>21} {ev.j_mean:7.4f} {ev.f_mean:7.4f} {ev.jf_mean:7.4f}")
        if r["unmatched_candidates"]:
            self.stdout.write(f"unmatched candidates: {r['unmatched_candidates']}")
