from django.contrib import admin

from .models import BrandImage, BrandKit, Preset


class BrandImageInline(admin.TabularInline):
    model = BrandImage
    extra = 0
    fields = ["kind", "mime_type", "path"]
    readonly_fields = ["kind", "mime_type", "path"]
    can_delete = False


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "client", "updated_at"]
    search_fields = ["name", "workspace__name", "client__name"]
    readonly_fields = ["public_id", "created_by", "created_at", "updated_at"]
    raw_id_fields = ["workspace", "client"]
    inlines = [BrandImageInline]


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "model_hint", "created_at"]
    list_filter = [("workspace", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prompt_template"]
    readonly_fields = ["public_id", "created_by", "created_at"]
    raw_id_fields = ["workspace"]
