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
    readonly_fields = ("public_id", "plan", "image_inputs", "estimated_total", "started_at")
    exclude = ("key",)
    inlines = [VariantInline]
