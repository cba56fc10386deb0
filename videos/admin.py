from django import forms
from django.contrib import admin, messages
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from .forms import SecretField, clean_secret
from .models import Clip, ProviderKey, Rendition, VideoJob


class ProviderKeyAdminForm(forms.ModelForm):
    """Admins may set or replace a secret, never read one: the field is write-only."""

    new_secret = SecretField(
        label="New secret",
        required=False,
        help_text="Leave empty to keep the current secret. The stored secret is never shown.",
    )

    class Meta:
        model = ProviderKey
        fields = ["workspace", "owner", "provider", "label"]

    def clean_new_secret(self):
        value = self.cleaned_data.get("new_secret") or ""
        if not value and self.instance.pk:
            return ""
        return clean_secret(value, self.cleaned_data.get("provider") or self.instance.provider)

    def save(self, commit=True):
        if self.cleaned_data.get("new_secret"):
            self.instance.set_secret(self.cleaned_data["new_secret"])
        return super().save(commit)


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    form = ProviderKeyAdminForm
    list_display = [
        "label",
        "workspace",
        "owner",
        "provider",
        "masked",
        "status",
        "last_verified_at",
    ]
    list_filter = ["provider", "status"]
    search_fields = ["label", "workspace__name", "owner__username", "owner__email"]
    list_select_related = ["workspace", "owner"]
    readonly_fields = [
        "masked",
        "status",
        "status_message",
        "last_verified_at",
        "last_used_at",
        "created_at",
    ]
    actions = ["verify_keys"]

    def get_readonly_fields(self, request, obj=None):
        # A secret belongs to one provider and one workspace: moving it would send it elsewhere.
        fixed = ["workspace", "owner", "provider"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    @method_decorator(sensitive_post_parameters("new_secret"))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    @admin.action(description="Verify selected keys with their provider")
    def verify_keys(self, request, queryset):
        for key in queryset:
            works, message = key.verify()
            level = {True: messages.SUCCESS, False: messages.ERROR, None: messages.WARNING}[works]
            self.message_user(request, f"{key.label} ({key.masked}): {message}", level)


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
