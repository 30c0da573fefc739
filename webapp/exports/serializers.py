"""Request and response shapes of the export, import and evaluation endpoints."""
from django.urls import reverse
from rest_framework import serializers

from webapp.exports.models import Evaluation, ExportFormat, ExportJob, ImportFormat, ImportJob


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    stride = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    accepted_only = serializers.BooleanField(default=False)
    include_frames = serializers.BooleanField(default=True)


class ExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "format", "status", "progress", "error", "download_url", "options",
                  "project", "video", "size_bytes", "frames_written", "created_at",
                  "finished_at"]

    def get_download_url(self, job) -> str | None:
        if job.status != "done" or not job.file:
            return None
        return reverse("exports:export-download", args=[job.pk])


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)


class ImportJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = ["id", "format", "status", "progress", "error", "result", "video",
                  "filename", "created_at", "finished_at"]


class EvaluationCreateSerializer(serializers.Serializer):
    reference = serializers.DictField(help_text='{"import": id} | {"user": name} | {"objects": [ids]}')
    candidate = serializers.DictField(help_text="a selector, like reference")
    stride = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    annotated_only = serializers.BooleanField(
        default=False, help_text="evaluate only frames where the reference has a mask"
    )
    pairs = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        required=False, help_text="[[reference id, candidate id], ...]; default: match by IoU",
    )


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "video", "status", "progress", "error", "reference", "candidate",
                  "options", "j_mean", "f_mean", "jf_mean", "result", "created_at",
                  "finished_at"]


class EvaluationSummarySerializer(EvaluationSerializer):
    class Meta(EvaluationSerializer.Meta):
        fields = [f for f in EvaluationSerializer.Meta.fields if f != "result"]
