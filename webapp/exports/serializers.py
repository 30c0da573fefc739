"""Request and response shapes of the export, import and evaluation endpoints."""
from django.urls import reverse
from rest_framework import serializers

from webapp.accounts.fields import StrictBooleanField, StrictFloatField
from webapp.exports.models import Evaluation, ExportFormat, ExportJob, ImportFormat, ImportJob
from webapp.jobs import job_pickup_warning


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    stride = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False,
        help_text="export every n-th frame; default every frame, and for sav SA-V's rate "
                  "(every 4th frame at 24 fps, about 6 annotated frames a second otherwise)")
    accepted_only = StrictBooleanField(default=False)
    include_frames = StrictBooleanField(default=True)
    class_map = serializers.DictField(
        child=serializers.ChoiceField(choices=[1, 2, 10]), required=False,
        help_text="mots: {label name: 1 (car) | 2 (pedestrian) | 10 (ignore)}; labels not "
                  "named default by name (car, pedestrian/person, ignore); the rest are "
                  "refused when class_map is given, else written as 10 (ignore)")
    val_fraction = StrictFloatField(
        min_value=0.0, max_value=0.5, required=False,
        help_text="yolo: the share of each video's frames (a contiguous tail) in the val "
                  "split; default 0.1, 0 = train only")

    def validate_class_map(self, value):
        if len(value) > 1000:
            raise serializers.ValidationError("at most 1000 labels")
        return value


class JobWarningMixin(serializers.Serializer):
    warning = serializers.SerializerMethodField(
        help_text="set while no worker has picked the queued job up for JOB_PICKUP_WARN_S")

    def get_warning(self, job) -> str:
        return job_pickup_warning(job)


class ExportJobSerializer(JobWarningMixin, serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    expired = serializers.BooleanField(
        read_only=True, help_text="the zip was deleted (retention); status stays done")
    expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="when the zip is or was deleted (EXPORT_RETENTION_HOURS after it finished)")

    class Meta:
        model = ExportJob
        fields = ["id", "format", "status", "progress", "error", "download_url", "options",
                  "project", "video", "size_bytes", "frames_written", "created_at",
                  "finished_at", "warning", "expired", "expires_at"]

    def get_download_url(self, job) -> str | None:
        if job.status != "done" or not job.file or job.expired:
            return None
        return reverse("exports:export-download", args=[job.pk])


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)


class ImportJobSerializer(JobWarningMixin, serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = ["id", "format", "status", "progress", "error", "result", "video",
                  "filename", "created_at", "finished_at", "warning"]


class EvaluationCreateSerializer(serializers.Serializer):
    reference = serializers.DictField(help_text='{"import": id} | {"user": name} | {"objects": [ids]}')
    candidate = serializers.DictField(help_text="a selector, like reference")
    stride = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    annotated_only = StrictBooleanField(
        default=False, help_text="evaluate only frames where the reference has a mask"
    )
    pairs = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        required=False,
        help_text="[[reference id, candidate id], ...]; default: Hungarian assignment on "
                  "the mean (J+F)/2 over the evaluated frames (DAVIS 2017)",
    )
    protocol = serializers.ChoiceField(
        choices=["semi-supervised", "all-frames"], default="semi-supervised",
        help_text="semi-supervised (DAVIS 2017): the first and last evaluated frames are "
                  "left out; all-frames: every evaluated frame counts")


class EvaluationSerializer(JobWarningMixin, serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "video", "status", "progress", "error", "reference", "candidate",
                  "options", "j_mean", "f_mean", "jf_mean", "result", "created_at",
                  "finished_at", "warning"]


class EvaluationSummarySerializer(EvaluationSerializer):
    class Meta(EvaluationSerializer.Meta):
        fields = [f for f in EvaluationSerializer.Meta.fields if f != "result"]
