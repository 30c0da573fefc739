"""REST views: start and follow export, import and evaluation jobs. Non-members get 404,
members whose role lacks the action get 403 (webapp.projects.access)."""
import os

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts.parsers import DepthLimitedJSONParser
from webapp.api_schema import ApiErrorSerializer
from webapp.exports import retention, tasks
from webapp.exports.archive import ArchiveError, check_upload
from webapp.exports.evaluation import EvaluationError, select
from webapp.exports.exporter import check_options
from webapp.exports.formats.base import ExportError
from webapp.exports.models import Evaluation, ExportJob, ImportJob, JobStatus
from webapp.exports.serializers import (
    EvaluationCreateSerializer,
    EvaluationSerializer,
    EvaluationSummarySerializer,
    ExportCreateSerializer,
    ExportJobSerializer,
    ImportCreateSerializer,
    ImportJobSerializer,
)
from webapp.jobs import BrokerUnavailable, submit
from webapp.projects.access import project_for, require_role, video_for
from webapp.projects.models import can
from webapp.videos.models import VideoStatus

RECENT = 50
# 429: over EXPORTS_MAX_ACTIVE_PER_USER (retention.TooManyExports); 503: the broker is down.
_EXPORT_REFUSALS = {429: ApiErrorSerializer, 503: ApiErrorSerializer}
_QUEUE_DOWN = {503: ApiErrorSerializer}


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "the upload is larger than the limit"


def _queue(task, job) -> None:
    """Queue `job` once it is committed. With the broker down the job is failed with a
    clear reason and the request answers 503 (BrokerUnavailable), never hangs."""
    def go():
        try:
            submit(task, job.pk)
        except BrokerUnavailable as exc:
            type(job).objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=f"not queued: {exc.detail}")
            raise

    transaction.on_commit(go)


def _ready(video) -> None:
    if video.status != VideoStatus.READY:
        raise ValidationError({"detail": f"video {video.pk} is not ready ({video.status})"})


class VideoExportsView(APIView):
    @extend_schema(responses={200: ExportJobSerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id, "export")
        jobs = ExportJob.objects.filter(video=video)[:RECENT]
        return Response(ExportJobSerializer(jobs, many=True).data)

    @extend_schema(request=ExportCreateSerializer, responses={201: ExportJobSerializer,
                                                              **_EXPORT_REFUSALS})
    def post(self, request, video_id):
        video, _ = video_for(request.user, video_id, "export")
        s = ExportCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _ready(video)
        job = _create_export(request.user, video.project, video, dict(s.validated_data))
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)


def _create_export(user, project, video, opts: dict) -> ExportJob:
    """Create and queue an export within the user's limit (429 over it), and expire the
    project's exports past their retention on the way (one query when there are none)."""
    fmt = opts.pop("format")
    try:
        check_options(project, video, fmt, opts)
    except ExportError as e:
        raise ValidationError({"detail": str(e)}) from None
    with transaction.atomic():
        retention.check_active(user)
        retention.prune_expired(project)
        job = ExportJob.objects.create(project=project, video=video, format=fmt,
                                       options=opts, created_by=user)
        _queue(tasks.run_export, job)
    return job


class ProjectExportsView(APIView):
    """Every ready video of the project in one archive."""

    @extend_schema(responses={200: ExportJobSerializer(many=True)})
    def get(self, request, project_id):
        project, _ = project_for(request.user, project_id, "export")
        jobs = ExportJob.objects.filter(project=project, video__isnull=True)[:RECENT]
        return Response(ExportJobSerializer(jobs, many=True).data)

    @extend_schema(request=ExportCreateSerializer, responses={201: ExportJobSerializer,
                                                              **_EXPORT_REFUSALS})
    def post(self, request, project_id):
        project, _ = project_for(request.user, project_id, "export")
        s = ExportCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        job = _create_export(request.user, project, None, dict(s.validated_data))
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)


def _export_for(user, pk) -> ExportJob:
    job = ExportJob.objects.select_related("project").filter(pk=pk).first()
    if job is None:
        raise NotFound("export not found")
    require_role(user, job.project, "export", "export not found")
    return job


class ExportDetailView(APIView):
    @extend_schema(responses={200: ExportJobSerializer})
    def get(self, request, pk):
        return Response(ExportJobSerializer(_export_for(request.user, pk)).data)


class ExportExpired(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "expired"
    default_detail = "the export expired; start a new export"


class ExportDownloadView(APIView):
    @extend_schema(responses={(200, "application/zip"): bytes, 410: ApiErrorSerializer})
    def get(self, request, pk):
        job = _export_for(request.user, pk)
        if job.status == "done" and job.expired:
            retention.expire(ExportJob.objects.filter(pk=job.pk))  # if no prune did yet
            raise ExportExpired(
                f"export {job.pk} expired at {job.expires_at:%Y-%m-%d %H:%M} UTC and its file "
                f"was deleted (zips are kept {settings.EXPORT_RETENTION_HOURS} h, at most "
                f"{settings.EXPORTS_MAX_KEPT_PER_VIDEO} per video); start a new export")
        if job.status != "done" or not job.file:
            raise NotFound(f"export {job.pk} has no file ({job.status})")
        try:
            f = default_storage.open(job.file, "rb")
        except FileNotFoundError:
            raise NotFound("the export file is gone; start a new export") from None
        return FileResponse(f, as_attachment=True, filename=os.path.basename(job.file),
                            content_type="application/zip")


class VideoImportsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: ImportJobSerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id, "view")
        return Response(ImportJobSerializer(ImportJob.objects.filter(video=video)[:RECENT],
                                            many=True).data)

    @extend_schema(request={"multipart/form-data": ImportCreateSerializer},
                   responses={201: ImportJobSerializer, **_QUEUE_DOWN})
    def post(self, request, video_id):
        video, _ = video_for(request.user, video_id, "annotate")
        s = ImportCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _ready(video)
        upload = s.validated_data["file"]
        if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
            raise PayloadTooLarge(f"the upload is larger than {settings.MAX_UPLOAD_MB} MB")
        fmt = s.validated_data["format"]
        # Only cheap checks here, for a clear 400: the file type, and for a zip its central
        # directory (entry count, declared sizes, JSON size, names, links). The content is
        # parsed in the import job's sandboxed child, never in the request.
        try:
            check_upload(upload, upload.name or "")
        except ArchiveError as e:
            raise ValidationError({"detail": str(e)}) from None
        upload.seek(0)
        filename = os.path.basename(upload.name or "upload")[:200]
        job = ImportJob.objects.create(project=video.project, video=video, format=fmt,
                                       filename=filename, created_by=request.user)
        job.upload = default_storage.save(f"imports/{job.pk}/{filename}", upload)
        job.save(update_fields=["upload"])
        _queue(tasks.run_import, job)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request, pk):
        job = ImportJob.objects.select_related("project").filter(pk=pk).first()
        if job is None:
            raise NotFound("import not found")
        require_role(request.user, job.project, "view", "import not found")
        return Response(ImportJobSerializer(job).data)


class VideoEvaluationsView(APIView):
    parser_classes = [DepthLimitedJSONParser]  # JSON only, with the depth limit

    @extend_schema(responses={200: EvaluationSummarySerializer(many=True)})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id, "view")
        evs = Evaluation.objects.filter(video=video)[:RECENT]
        return Response(EvaluationSummarySerializer(evs, many=True).data)

    @extend_schema(request=EvaluationCreateSerializer,
                   responses={201: EvaluationSerializer, **_QUEUE_DOWN})
    def post(self, request, video_id):
        video, role = video_for(request.user, video_id, "view")
        if not (can(role, "review") or can(role, "annotate")):
            raise PermissionDenied(f"your role ({role}) may not evaluate in this project")
        s = EvaluationCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        try:
            if not select(video, d["reference"]):
                raise EvaluationError("the reference set has no objects")
            select(video, d["candidate"])
        except EvaluationError as e:
            raise ValidationError({"detail": str(e)}) from None
        opts = {"stride": d["stride"], "annotated_only": d["annotated_only"],
                "protocol": d["protocol"]}
        if d.get("pairs"):
            opts["pairs"] = d["pairs"]
        ev = Evaluation.objects.create(video=video, reference=d["reference"],
                                       candidate=d["candidate"], options=opts,
                                       created_by=request.user)
        _queue(tasks.run_evaluation, ev)
        return Response(EvaluationSerializer(ev).data, status=status.HTTP_201_CREATED)


class EvaluationDetailView(APIView):
    @extend_schema(responses={200: EvaluationSerializer})
    def get(self, request, pk):
        ev = Evaluation.objects.select_related("video__project").filter(pk=pk).first()
        if ev is None:
            raise NotFound("evaluation not found")
        require_role(request.user, ev.video.project, "view", "evaluation not found")
        return Response(EvaluationSerializer(ev).data)
