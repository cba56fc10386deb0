from django.contrib import admin

from .models import Budget, Client, Invitation, Membership, Project, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "personal", "created_at"]
    list_filter = ["personal"]
    search_fields = ["name", "slug", "memberships__user__username"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["public_id", "created_at"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "workspace__name"]
    readonly_fields = ["public_id", "created_at", "accepted_at", "accepted_by", "invited_by"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0
    fields = ["name", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_at"]
    search_fields = ["name", "workspace__name", "projects__name"]
    readonly_fields = ["public_id", "created_at"]
    inlines = [ProjectInline]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["workspace", "client", "monthly_amount", "updated_at"]
    list_select_related = ["workspace", "client"]
    search_fields = ["workspace__name", "client__name"]
    readonly_fields = ["public_id", "updated_at"]
    raw_id_fields = ["workspace", "client"]
