"""Video upload, status and frame serving."""
import os
import tempfile

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp import jobs
from webapp.projects.access import project_for, video_for
from webapp.realtime import events
from webapp.review.assign import VideoPatchSerializer, patch_video
from webapp.videos import queue
from webapp.videos.frame_cache import frame_bytes
from webapp.videos.images import IMAGE_EXT
from webapp.videos.ingest import IngestError, probe_file
from webapp.videos.models import SourceKind, Video, VideoStatus
from webapp.videos.serializers import UploadSerializer, VideoDetailSerializer, VideoSerializer

FRAME_CACHE = "private, max-age=31536000, immutable"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _limit_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def _probe_upload(upload) -> dict:
    """Probe the uploaded file where it lies on disk (copying small in-memory ones)."""
    if hasattr(upload, "temporary_file_path"):
        return probe_file(upload.temporary_file_path())
    fd, tmp = tempfile.mkstemp(suffix=os.path.splitext(upload.name)[1])
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return probe_file(tmp)
    finally:
        os.unlink(tmp)


def _check_name(name: str, kind: str) -> None:
    """A picture or an archive must be named as one: a PNG called `clip.mp4` is a mistake
    (or a trick) and gets a 400, as any other file that is not a video."""
    ext = os.path.splitext(name)[1].lower()
    if kind == SourceKind.IMAGE and ext not in IMAGE_EXT:
        raise ValidationError({"file": [f"{name}: this is a JPEG/PNG picture, not a video; "
                                        "name it .jpg or .png to upload a single image"]})
    if kind == SourceKind.IMAGE_SEQUENCE and ext != ".zip":
        raise ValidationError({"file": [f"{name}: this is a zip archive, not a video; name it "
                                        ".zip to upload a sequence of frames"]})


class ProjectVideosView(generics.ListAPIView):
    serializer_class = VideoSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        project, _ = project_for(self.request.user, self.kwargs["project_id"])
        return project.videos.select_related("assignee", "reviewer", "second_assignee")

    def list(self, request, *args, **kwargs):
        queue.refresh(self.get_queryset().filter(status=VideoStatus.PROCESSING))
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={
        201: VideoSerializer,
        # The broker is down: the upload is kept and its decoding queued again later.
        503: inline_serializer("UploadQueuedLater", {"detail": serializers.CharField(),
                                                     "video": VideoSerializer()}),
    })
    def post(self, request, project_id):
        project, _ = project_for(request.user, project_id, "manage")
        # Refuse oversize bodies before reading them.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > _limit_bytes() + 64 * 1024:
            raise PayloadTooLarge(f"the upload exceeds the {settings.MAX_UPLOAD_MB} MB limit")
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["no file was sent (multipart field 'file')"]})
        if upload.size == 0:
            raise ValidationError({"file": ["the file is empty"]})
        if upload.size > _limit_bytes():
            raise PayloadTooLarge(f"the upload exceeds the {settings.MAX_UPLOAD_MB} MB limit")
        options = UploadSerializer(data={"fps": request.data["fps"]} if "fps" in request.data
                                   else {}, partial=True)
        options.is_valid(raise_exception=True)
        try:
            probed = _probe_upload(upload)
        except IngestError as e:
            raise ValidationError({"file": [f"{upload.name}: {e}"]}) from None
        name = os.path.basename(upload.name)[:200] or "video"
        kind = probed.get("kind", SourceKind.VIDEO)
        _check_name(name, kind)
        with transaction.atomic():
            video = Video.objects.create(
                project=project, name=name, size_bytes=upload.size, uploaded_by=request.user,
                source_kind=kind,
                # Pictures have no rate of their own: the one given, else 24.
                fps=options.validated_data.get("fps", 24.0) if kind != SourceKind.VIDEO else 0.0,
            )
            video.file.save(name, upload, save=True)
            events.video_listed(video, "video.created", request.user.username)  # on commit
        try:
            queue.queue_ingest(video.pk)
        except jobs.BrokerUnavailable as exc:
            # The file is stored and the video listed; refresh() queues it once the broker
            # answers again.
            return Response({"detail": f"{exc.detail}; the upload is kept (video {video.pk}) and "
                                       "its decoding is queued again when the queue answers",
                             "video": VideoSerializer(Video.objects.get(pk=video.pk)).data},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        video.refresh_from_db()
        return Response(VideoSerializer(video).data, status=status.HTTP_201_CREATED)


class VideoDetailView(APIView):
    @extend_schema(responses={200: VideoDetailSerializer})
    def get(self, request, video_id):
        video, _ = video_for(request.user, video_id)
        queue.refresh([video])
        return Response(VideoDetailSerializer(video).data)

    @extend_schema(request=VideoPatchSerializer, responses={200: VideoSerializer})
    def patch(self, request, video_id):
        """Rename (manage), assign (manage) or move the stage (see webapp.review.assign)."""
        video, role = video_for(request.user, video_id)
        return Response(VideoSerializer(patch_video(request.user, role, video, request.data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, video_id):
        video, _ = video_for(request.user, video_id, "manage")
        # Its upload, every frame (listed, not counted), export zips and import uploads
        # are deleted on commit by webapp.storage_cleanup's post_delete receivers.
        with transaction.atomic():
            events.video_listed(video, "video.deleted", request.user.username)  # on commit
            video.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class FrameView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request, video_id, n):
        video, _ = video_for(request.user, video_id)
        if video.status != "ready" and not default_storage.exists(video.frame_path(n)):
            raise Http404("the video is not ready yet")
        if n >= video.num_frames and video.status == "ready":
            raise Http404(f"frame {n} is past the end (the video has {video.num_frames} frames)")
        try:
            # one small JPEG (no sync iterator for the ASGI handler to wrap); S3: cached
            data = frame_bytes(video, n)
        except FileNotFoundError:
            raise Http404(f"frame {n} not found") from None
        resp = HttpResponse(data, content_type="image/jpeg")
        resp["Cache-Control"] = FRAME_CACHE
        resp["ETag"] = f'"v{video.pk}f{n}"'
        return resp
