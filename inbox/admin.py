from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "workspace", "kind", "text", "read_at"]
    list_filter = ["kind"]
    search_fields = ["text", "recipient__username", "recipient__email"]
    list_select_related = ["recipient", "workspace"]
    readonly_fields = ["recipient", "workspace", "kind", "text", "url", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False
