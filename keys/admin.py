from django import forms
from django.contrib import admin, messages
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from .forms import SecretField, clean_secret
from .models import ProviderKey


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
