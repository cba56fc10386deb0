from django.contrib import admin

from .models import Campaign, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ("number", "job", "ad_format", "wording", "take")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "project", "created_by", "created_at", "started_at")
    list_filter = ("workspace",)
    search_fields = ("name", "brief")
    # Campaigns are planned and started from the generate form; here they are looked at, and
    # renamed. Moving one to another workspace would show that workspace its videos.
    fields = ("name", "public_id", "workspace", "project", "created_by", "brief", "plan")
    readonly_fields = ("public_id", "workspace", "project", "created_by", "brief", "plan")
    inlines = [VariantInline]

    def has_add_permission(self, request):
        return False
