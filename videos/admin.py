from django.contrib import admin

from .models import Clip, Rendition, VideoJob


class ClipInline(admin.TabularInline):
    model = Clip
    extra = 0
    can_delete = False
    fields = ["index", "status", "size", "duration", "width", "height", "attempts", "error"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VideoJob)
class VideoJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "workspace",
        "owner",
        "provider",
        "model",
        "status",
        "cost",
        "poll_count",
    ]
    list_filter = ["status", "provider", "workspace"]
    search_fields = ["prompt", "provider_job_id", "workspace__name", "owner__username", "public_id"]
    list_select_related = ["workspace", "owner"]
    date_hierarchy = "created_at"
    inlines = [ClipInline]
    actions = ["mark_resolved"]
    readonly_fields = [
        f.name for f in VideoJob._meta.get_fields() if f.concrete and f.name not in ("id",)
    ]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark selected “needs attention” jobs as resolved")
    def mark_resolved(self, request, queryset):
        resolved = sum(job.resolve() for job in queryset)
        skipped = queryset.count() - resolved
        self.message_user(request, f"Resolved {resolved} job(s); {skipped} did not need it.")


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = ["format", "status", "width", "height", "size", "attempts", "error", "ready_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    inlines = [RenditionInline]
    list_display = [
        "__str__",
        "title",
        "job",
        "status",
        "starred",
        "size",
        "duration",
        "attempts",
        "ready_at",
    ]
    list_filter = ["status", "starred", "job__provider", "job__workspace"]
    search_fields = ["job__prompt", "sha256", "job__public_id"]
    list_select_related = ["job"]
    actions = ["retry_collecting"]
    readonly_fields = [f.name for f in Clip._meta.get_fields() if f.concrete and f.name != "id"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Try copying the selected clips again")
    def retry_collecting(self, request, queryset):
        from . import lifecycle

        retried = sum(lifecycle.retry_clip(clip) for clip in queryset.select_related("job"))
        self.message_user(request, f"Queued {retried} clip(s) to be copied again.")
