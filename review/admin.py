from django.contrib import admin

from .models import Comment, ReviewEvent, ShareLink, Verdict


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The review trail: read only, as a record should be."""

    list_display = ["created_at", "actor_name", "kind", "workspace", "project", "clip", "link"]
    list_filter = ["kind", "created_at"]
    search_fields = ["actor_name", "detail", "workspace__name", "project__name"]
    date_hierarchy = "created_at"
    list_select_related = ["workspace", "project__client", "clip__job", "link"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Links are made and revoked in the app (where the link is shown once); here they can be
    looked at. Neither the token nor the password is stored in a form that could be shown."""

    list_display = ["__str__", "workspace", "grants", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["can_comment", "can_approve", "can_download"]
    search_fields = ["label", "workspace__name", "project__name"]
    fields = [
        "public_id",
        "workspace",
        "project",
        "job",
        "label",
        "can_comment",
        "can_approve",
        "can_download",
        "has_password",
        "expires_at",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True)
    def has_password(self, link):
        return link.has_password


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "who", "timecode", "clip", "resolved_at"]
    search_fields = ["body", "guest_name", "author__username"]
    readonly_fields = [
        "public_id",
        "clip",
        "parent",
        "author",
        "guest_name",
        "link",
        "created_at",
        "addressed_by",
    ]


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["decided_at", "reviewer_name", "state", "clip"]
    list_filter = ["state"]
    readonly_fields = ["clip", "author", "guest_name", "link", "reviewer_name", "decided_at"]
