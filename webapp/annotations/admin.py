from django.contrib import admin

from webapp.annotations.models import FrameMask, Object, Prompt


@admin.register(Object)
class ObjectAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "video", "label", "review_status", "created_by", "deleted"]
    list_filter = ["review_status", "deleted", "video__project"]
    search_fields = ["name"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["video", "seq", "object", "frame", "kind", "user", "created_at"]
    list_filter = ["kind", "video"]


@admin.register(FrameMask)
class FrameMaskAdmin(admin.ModelAdmin):
    list_display = ["object", "frame", "area", "score", "source", "seq", "author"]
    list_filter = ["source", "video"]
    readonly_fields = ["rle"]
