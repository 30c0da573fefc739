from django.contrib import admin

from webapp.videos.models import Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "project", "status", "num_frames", "fps", "width", "height", "created_at"]
    list_filter = ["status", "project"]
    search_fields = ["name"]
    readonly_fields = ["timestamps", "seq"]
