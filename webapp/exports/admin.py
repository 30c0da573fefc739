from django.contrib import admin

from webapp.exports.models import Evaluation, ExportJob, ImportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "video", "format", "status", "progress", "created_at"]
    list_filter = ["status", "format"]
    raw_id_fields = ["project", "video", "created_by"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "video", "format", "status", "created_at"]
    list_filter = ["status", "format"]
    raw_id_fields = ["project", "video", "created_by"]
    exclude = ["created_objects"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["id", "video", "status", "jf_mean", "j_mean", "f_mean", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["video", "created_by"]
