"""The forms of the Keys pages: a new key, a new secret for a key (never shown again)."""

from django import forms
from django.views.decorators.debug import sensitive_variables

from providers import registry

from .models import ProviderKey

MAX_SECRET_LENGTH = 256
MIN_SECRET_LENGTH = 20


@sensitive_variables("value", "secret")
def clean_secret(value: str, provider: str | None) -> str:
    secret = (value or "").strip()
    if not secret:
        raise forms.ValidationError("Paste the API key from your provider's dashboard.")
    if len(secret) > MAX_SECRET_LENGTH:
        raise forms.ValidationError(
            f"That is longer than any API key ({len(secret)} characters, at most "
            f"{MAX_SECRET_LENGTH}). Copy just the key itself."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise forms.ValidationError(
            f"That is too short to be an API key (at least {MIN_SECRET_LENGTH} characters)."
        )
    if not secret.isascii() or not secret.isprintable() or any(c.isspace() for c in secret):
        raise forms.ValidationError(
            "API keys are one word of plain characters; this one has spaces, line breaks or "
            "other characters in the middle. Copy the key again."
        )
    issuer = registry.issuer_of(secret)
    if provider and issuer and issuer != provider:
        prefix = registry.adapter(issuer).key_prefix
        raise forms.ValidationError(
            f"This looks like {registry.key_name(issuer)} (it starts with {prefix!r}), not "
            f"{registry.key_name(provider)}. Choose {registry.label(issuer)} as the provider."
        )
    return secret


class SecretField(forms.CharField):
    widget = forms.PasswordInput(
        attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        render_value=False,
    )

    def __init__(self, **kwargs):
        # No max_length here: an over-long paste gets our own, clearer message.
        kwargs.setdefault("strip", False)
        kwargs.setdefault("label", "API key")
        kwargs.setdefault(
            "error_messages", {"required": "Paste the API key from your provider's dashboard."}
        )
        super().__init__(**kwargs)


class ProviderKeyForm(forms.ModelForm):
    secret = SecretField()

    class Meta:
        model = ProviderKey
        fields = ["provider", "label"]
        help_texts = {"label": "A name to tell your keys apart, e.g. “Agency production”."}

    def __init__(self, *args, owner, workspace, workspaces=None, **kwargs):
        """The key goes to ``workspace``, or, when ``workspaces`` (those where the owner may
        manage keys) holds more than one, to the one chosen among them."""
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.instance.workspace = workspace
        if workspaces is not None and len(workspaces) > 1:
            self.fields["workspace"] = forms.ModelChoiceField(
                queryset=workspaces,
                initial=workspace,
                empty_label=None,
                to_field_name="slug",
                help_text="Its members use the key without ever seeing it.",
            )
            self.order_fields(["workspace"])
        self.fields["label"].widget.attrs["placeholder"] = "e.g. Agency production"
        self.fields["provider"].choices = [("", "Choose a provider…"), *registry.choices()]
        self.fields["secret"].help_text = " ".join(
            [*(cls.key_help for cls in registry.ADAPTERS.values()), KEY_STORAGE_NOTE]
        )

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError("Give the key a name.")
        return label

    def clean_secret(self):
        return clean_secret(self.cleaned_data["secret"], self.cleaned_data.get("provider"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("workspace"):
            self.instance.workspace = cleaned["workspace"]
        provider, label = cleaned.get("provider"), cleaned.get("label")
        if (
            provider
            and label
            and ProviderKey.objects.filter(
                workspace=self.instance.workspace, provider=provider, label=label
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "label", "This workspace already has a key with this name for this provider."
            )
        return cleaned

    def validate_unique(self):
        # Uniqueness of (workspace, provider, label) is checked in clean(), with a clearer message.
        pass

    def save(self, commit=True):
        self.instance.set_secret(self.cleaned_data["secret"])
        return super().save(commit)


class ReplaceSecretForm(forms.Form):
    secret = SecretField(label="New API key")

    def __init__(self, *args, key: ProviderKey, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    def clean_secret(self):
        return clean_secret(self.cleaned_data["secret"], self.key.provider)

    def save(self) -> ProviderKey:
        self.key.set_secret(self.cleaned_data["secret"])
        self.key.save()
        return self.key


KEY_STORAGE_NOTE = "Stored encrypted; after saving only its first and last characters are shown."


def key_choice_label(key: ProviderKey) -> str:
    label = f"{key.label} ({registry.label(key.provider)}, {key.masked})"
    return label if key.usable else f"{label}: {key.get_status_display().lower()}"
