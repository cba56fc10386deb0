from django import forms
from django.views.decorators.debug import sensitive_variables

from .models import Provider, ProviderKey

MAX_SECRET_LENGTH = 256
MIN_SECRET_LENGTH = 20
# Prefixes that give away which provider issued a key; used to catch a key filed under the other.
PROVIDER_PREFIXES = {Provider.OPENROUTER: "sk-or-", Provider.GEMINI: "AIza"}


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
    for other, prefix in PROVIDER_PREFIXES.items():
        if other != provider and provider and secret.startswith(prefix):
            raise forms.ValidationError(
                f"This looks like a {Provider(other).label} key (it starts with {prefix!r}), "
                f"not a {Provider(provider).label} key. Choose {Provider(other).label} as the "
                "provider."
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
    secret = SecretField(
        help_text=(
            "OpenRouter keys are at openrouter.ai/settings/keys, Gemini keys at "
            "aistudio.google.com/apikey. Stored encrypted; after saving only its first and last "
            "characters are shown."
        )
    )

    class Meta:
        model = ProviderKey
        fields = ["provider", "label"]
        help_texts = {"label": "A name to tell your keys apart, e.g. “Agency OpenRouter”."}

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.fields["label"].widget.attrs["placeholder"] = "e.g. Agency OpenRouter"
        self.fields["provider"].choices = [("", "Choose a provider…"), *Provider.choices]

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError("Give the key a name.")
        return label

    def clean_secret(self):
        return clean_secret(self.cleaned_data["secret"], self.cleaned_data.get("provider"))

    def clean(self):
        cleaned = super().clean()
        provider, label = cleaned.get("provider"), cleaned.get("label")
        if (
            provider
            and label
            and ProviderKey.objects.filter(
                owner=self.instance.owner, provider=provider, label=label
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("label", "You already have a key with this name for this provider.")
        return cleaned

    def validate_unique(self):
        # Uniqueness of (owner, provider, label) is checked in clean() with a friendlier message.
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
