import hashlib
import json
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import F, Q
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

from brand import compose
from brand.models import BrandKit, MissingValues, Preset, fill, placeholders
from common.forms import PendingImages, PendingImagesField, as_list, pending_fields
from providers import registry
from providers.base import (
    ASPECT_RATIOS,
    DEFAULT_MAX_PROMPT_CHARS,
    PERSON_GENERATION,
    ImageInput,
    InvalidSpec,
    JobSpec,
    ModelInfo,
    ProviderError,
)
from workspaces.models import Client, Project, TeamRuleBroken

from . import formats
from .models import Clip, ProviderKey, VideoJob
from .vault import VaultError

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

IMAGE_FIELDS = {"first_frame": "First frame", "last_frame": "Last frame"}


class SettingField(forms.TypedChoiceField):
    """A model's setting (duration, resolution, clip count), read by one rule whatever the
    spelling it is sent in: spaces around it ignored, words in any case ("1080P"), a number in
    any notation of the same value ("08", "8.0"). What is read is one of the choices, typed, so
    the price shown, the budget counted and the request sent are of the same setting."""

    def to_python(self, value):
        text = super().to_python(value).strip()
        for choice, _ in self.choices:
            if same_setting(str(choice), text):
                return str(choice)
        return text


class AudioBox(forms.CheckboxInput):
    """The audio switch: a browser sends "on" when it is ticked and nothing when it is not;
    a value that says "no" in any usual spelling ("0", "off", "no", "false") is unticked too
    (Django's box reads only "false" so), and every other value ticked."""

    UNTICKED = {"", "0", "off", "no", "false"}

    def __init__(self, attrs=None):
        # Shown again as it is read: a box sent as "0" comes back unticked.
        super().__init__(attrs, check_test=self.ticked)

    @classmethod
    def ticked(cls, value) -> bool:
        if isinstance(value, str):
            return value.strip().casefold() not in cls.UNTICKED
        return value not in (False, None)

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.strip().casefold() in self.UNTICKED:
            return False
        return super().value_from_datadict(data, files, name)

    @staticmethod
    def shown_name(name: str) -> str:
        """The hidden input sent beside the box: with it, a box that sends nothing was shown
        and left unticked, not absent (the model before had no audio switch)."""
        return f"{name}_shown"

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        return box + format_html('<input type="hidden" name="{}" value="1">', self.shown_name(name))


class AudioField(forms.BooleanField):
    """The audio switch's value, by ``AudioBox``'s rule whether it comes from a form sent
    or from initial values (a form shown again, a preset)."""

    widget = AudioBox

    def to_python(self, value):
        return super().to_python(AudioBox.ticked(value) if isinstance(value, str) else value)


def same_setting(choice: str, sent: str) -> bool:
    if choice.casefold() == sent.casefold():
        return True
    try:
        return Decimal(choice) == Decimal(sent)
    except (InvalidOperation, ArithmeticError):
        return False


class GenerateForm(forms.Form):
    """Everything one video job needs; the model fields offered follow the chosen model.

    Built in two steps: the key and model decide which other fields exist (the same rules the
    browser shows through htmx, including durations narrowed by the resolution chosen), then
    ``clean`` checks the whole request with JobSpec.validate.
    """

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    key = forms.ModelChoiceField(queryset=ProviderKey.objects.none(), empty_label=None, label="Key")
    model = forms.ChoiceField(label="Model")
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "A product shot of…"}),
        max_length=DEFAULT_MAX_PROMPT_CHARS,
        required=False,
        help_text="Describe the scene, subject, camera and mood.",
    )

    def __init__(self, *args, user, workspace=None, initial_model=None, **kwargs):
        """``workspace``: the one the page is in (its keys and projects only), else all the
        user's."""
        super().__init__(*args, **kwargs)
        self.user = user
        # The images the form holds, once cleaned (pending uploads a saved job takes over).
        self.pending = []
        # Their storage names by the SHA-256 of their bytes: what a saved job or plan takes
        # over instead of storing a copy (videos.images.save_inputs).
        self.kept_paths: dict[str, str] = {}
        # One line on what a change of model or key removed or changed (generate_options).
        self.settings_note = ""
        # A job goes to its key's workspace: only keys of workspaces the user may generate in.
        keys = ProviderKey.objects.usable_by(user)
        self.projects = Project.objects.generating_for(user).select_related("client__workspace")
        if workspace is not None:
            keys = keys.filter(workspace=workspace)
            self.projects = self.projects.filter(client__workspace=workspace)
        self.fields["key"].queryset = keys
        self.fields["key"].label_from_instance = key_choice_label
        if self.projects:
            self.fields["project"] = forms.ChoiceField(
                label="Project",
                required=False,
                choices=[("", "No project"), *project_choices(self.projects)],
                help_text="The client campaign this video is for; it must be in the key's "
                "workspace.",
            )
            self._refreshes("project", "project")
        self.catalog_error = ""
        self.models: list[ModelInfo] = []
        self.model_info: ModelInfo | None = None
        self.ad_plan: formats.Plan | None = None
        self.chosen_key = self._chosen_key()
        if self.chosen_key is not None:
            try:
                self.models = self.chosen_key.models()
            except (ProviderError, VaultError) as exc:
                self.catalog_error = (
                    f"Could not load the models of “{self.chosen_key.label}”: "
                    f"{getattr(exc, 'message', str(exc))}"
                )
        self.fields["model"].choices = [(m.id, m.name) for m in self.models]
        wanted = self.data.get("model") or initial_model or self.initial.get("model")
        hint = (self.initial.pop("model_hint", "") or "").lower()
        self.model_info = (
            next((m for m in self.models if m.id == wanted), None)
            or next((m for m in self.models if hint and hint in m.id.lower()), None)
            or next((m for m in self.models if m.id == self._last_model(user)), None)
            or (self.models[0] if self.models else None)
        )
        if self.model_info:
            self.initial.setdefault("model", self.model_info.id)
            self._add_model_fields(self.model_info)
        self.preset: Preset | None = None
        self.kit: BrandKit | None = None
        self.kits_offered = False
        if self.chosen_key is not None:
            self._add_brand_fields(self.chosen_key.workspace)
        if self.model_info is not None:
            self._add_variant_fields()

    def _last_model(self, user) -> str | None:
        """The model ``user`` last used with the chosen key: like the key, the likeliest next
        choice."""
        if self.chosen_key is None:
            return None
        jobs = VideoJob.objects.filter(owner=user, key=self.chosen_key).order_by("-created_at")
        return jobs.values_list("model", flat=True).first()

    def _chosen_key(self) -> ProviderKey | None:
        keys = self.fields["key"].queryset
        wanted = self.data.get("key") or self.initial.get("key")
        if wanted:
            try:
                return keys.get(pk=wanted)
            except (ProviderKey.DoesNotExist, ValueError, TypeError):
                return None
        # The key used last is the likeliest next choice, among those that can start a job
        # (a refused key is listed, disabled, and chosen only when no other is left).
        keys = keys.order_by(F("last_used_at").desc(nulls_last=True), "provider", "label")
        return keys.exclude(status__in=ProviderKey.UNUSABLE).first() or keys.first()

    def value(self, name):
        """What the form holds for ``name`` now: the submitted data (where a missing name is
        an unticked box), or the initial values of a form not yet sent."""
        if self.is_bound:
            return self.data.get(name)
        return self.initial.get(name)

    # Settings sent as several values: their values are lists.
    LISTED = ("also_formats", "also_models", *IMAGE_FIELDS, "reference")

    @classmethod
    def values_of(cls, data) -> dict:
        """What a sent form (a QueryDict) holds, as initial values for showing it again."""
        values = data.dict()
        values.update({name: data.getlist(name) for name in cls.LISTED})
        return values

    def shown_values(self) -> dict:
        """The sent form as initial values, to show it again exactly as it was: the images it
        brings (a form sent without JavaScript) kept as pending uploads like those it names."""
        values = self.values_of(self.data)
        values["generate_audio"] = self.data.get("generate_audio", "")  # unticked: no audio
        return values | self.kept_ids()

    def kept_ids(self) -> dict[str, list[str]]:
        """The images the sent form holds, by field: the pending uploads it names, and the
        files it brings kept as new ones (public ids). What could not be kept, and why, is
        left in ``keep_errors`` (by field) for the page to say."""
        ids, self.keep_errors = {}, {}
        for name, field in pending_fields(self).items():
            chosen = field.widget.value_from_datadict(self.data, self.files, name)
            kept, errors = field.keep(chosen)
            ids[name] = [str(upload.public_id) for upload in kept]
            if errors:
                self.keep_errors[name] = errors
        return ids

    def note_changes(self, before: dict) -> str:
        """After a change of model or key, what of ``before`` (what the form held) this model
        cannot take, in one line, e.g. "MiniMax: Hailuo 2.3 does not take a negative prompt:
        removed. Duration: 6 s (it does not offer 8 s)." The rest is kept as it was; a setting
        it offers other values of is set to its own default. Inputs are named as the submit's
        own check names them (OPTIONAL_INPUTS), settings as the job stores them
        (VideoJob.SETTINGS)."""
        m = self.model_info
        if m is None:
            return ""
        removed = [
            what
            for name, what in self.OPTIONAL_INPUTS.items()
            if name != "generate_audio" and as_list(before.get(name)) and name not in self.fields
        ]
        words = []
        if removed:
            listed = ", ".join(removed[:-1]) + " or " + removed[-1] if len(removed) > 1 else ""
            words.append(f"{m.name} does not take {listed or removed[0]}: removed.")
        for name in VideoJob.SETTINGS:
            was, now = before.get(name), self.initial.get(name)
            field = self.fields.get(name)
            if not isinstance(field, forms.ChoiceField) or field.disabled:
                continue  # not a choice among values this model offers
            if was in (None, "") or str(was) == str(now):
                continue
            unit = " s" if name == "duration" else ""
            words.append(f"{field.label}: {now}{unit} (it does not offer {was}{unit}).")
        text = " ".join(words)
        return text if removed or not text else f"{m.name}: {text}"

    def note_format_length(self, before: dict) -> str:
        """After a change of ad format, the duration it set, when it is not the one chosen."""
        was, now, ad_format = before.get("duration"), self.initial.get("duration"), None
        if "duration" in self.fields and was not in (None, "") and str(was) != str(now):
            ad_format = self.chosen_ad_format
        if ad_format is None or now in (None, ""):
            return ""
        return f"Duration: {now} s, the usual length for {ad_format.name}; it was {was} s."

    AD_FORMAT_HTMX = {
        "hx-trigger": "change consume",
        "hx-target": "#model-settings",
        "hx-select": "#model-settings",
        "hx-swap": "outerHTML",
        "hx-include": "#id_key, #id_model, #model-settings",
        "hx-vals": '{"changed": "ad_format"}',
    }

    @property
    def chosen_ad_format(self):
        """The ad format chosen (a formats.AdFormat), or None."""
        return formats.get(self.value("ad_format")) if "ad_format" in self.fields else None

    @property
    def reframe_note(self) -> str:
        """What happens when the model cannot make the chosen format itself."""
        plan, chosen = self.ad_plan, formats.get(self.value("ad_format"))
        if plan is None or not plan.reframe or chosen is None:
            return ""
        made = f"at {plan.aspect_ratio}" if plan.aspect_ratio else "in its own shape"
        return (
            f"This model does not make {chosen.ratio}: it makes the video {made} and a "
            f"{chosen.ratio} export is rendered from it."
        )

    def _add_model_fields(self, m: ModelInfo) -> None:
        def choice(name, label, values, default):
            listed = ", ".join(fmt(name, v) for v in values)
            self.fields[name] = SettingField(
                label=label,
                choices=[(v, fmt(name, v)) for v in values],
                coerce=int if name == "duration" else str,
                error_messages={
                    "invalid_choice": f"{m.name} does not offer %(value)s as "
                    f"{label.lower()}; choose {listed}."
                },
            )
            if str(self.initial.get(name)) not in {str(v) for v in values}:
                # A value the model (or the other settings) no longer allows: its default.
                self.initial[name] = default

        def fmt(name, value):
            return f"{value} seconds" if name == "duration" else str(value)

        if m.resolutions:
            default = "720p" if "720p" in m.resolutions else m.resolutions[0]
            choice("resolution", "Resolution", m.resolutions, default)
        self.fields["ad_format"] = forms.ChoiceField(
            label="Ad format",
            required=False,
            choices=[("", "Any (choose the aspect ratio)"), *formats.choices()],
            help_text="Where the video runs; the model is asked for that shape, or the "
            "nearest it makes, and a reframed export is rendered.",
            # Its own request, saying what changed, so the duration follows the format.
            widget=forms.Select(
                attrs={"hx-get": reverse("videos:generate_options"), **self.AD_FORMAT_HTMX}
            ),
        )
        ad_format = formats.get(self.value("ad_format"))
        if m.durations:
            # Only what the chosen resolution allows (some models make 1080p and 4K at 8 s only).
            durations = m.durations_for(self.value("resolution"))
            usual = ad_format and ad_format.usual_duration(replace(m, durations=durations))
            default = usual or (8 if 8 in durations else durations[0])
            choice("duration", "Duration", durations, default)
        if m.aspect_ratios:
            choice("aspect_ratio", "Aspect ratio", m.aspect_ratios, m.aspect_ratios[0])
        if ad_format:
            self.ad_plan = formats.plan(m, ad_format, self.value("resolution"))
            if "aspect_ratio" in self.fields:
                # The format decides the ratio sent (the form shows which).
                self.fields["aspect_ratio"].disabled = True
                self.fields["aspect_ratio"].help_text = f"Set by the ad format ({ad_format.ratio})."
                self.initial["aspect_ratio"] = self.ad_plan.aspect_ratio
        if m.max_outputs > 1:
            self.fields["sample_count"] = SettingField(
                label="Clips",
                choices=[
                    (n, f"{n} clip{'s' if n > 1 else ''}") for n in range(1, m.max_outputs + 1)
                ],
                coerce=int,
            )
        if m.negative_prompt:
            self.fields["negative_prompt"] = forms.CharField(
                label="Negative prompt",
                required=False,
                max_length=1000,
                help_text="What to keep out of the video, e.g. “text, logos, blur”.",
            )
        if m.audio:
            self.fields["generate_audio"] = AudioField(label="Generate audio", required=False)
            # The provider's own default (and what its model description promises); the
            # price of each choice is shown beside it.
            self.initial.setdefault("generate_audio", True)
        if m.seed:
            self.fields["seed"] = forms.IntegerField(
                label="Seed",
                required=False,
                min_value=0,
                max_value=2**32 - 1,
                help_text="The same seed and settings give similar results.",
            )
        if m.person_generation:
            self.fields["person_generation"] = forms.ChoiceField(
                label="People",
                required=False,
                choices=[("", "Provider default")]
                + [(v, PERSON_GENERATION[v]) for v in m.person_generation],
                help_text="Leave at the default unless you need it: some regions refuse "
                "the other settings.",
            )
        # Kept as the visitor's pending uploads the moment they are chosen (common.forms).
        for role, label in IMAGE_FIELDS.items():
            if role in m.frame_images:
                self.fields[role] = PendingImagesField(
                    label=f"{label} image", item_label=label, owner=self.user
                )
        if m.max_reference_images:
            help_text = "Products, logos or characters to keep in the video."
            if not m.references_with_frames and m.frame_images:
                help_text += " Not together with a first or last frame."
            self.fields["reference"] = PendingImagesField(
                label=f"Reference images (up to {m.max_reference_images})",
                multiple=True,
                item_label="Reference",
                owner=self.user,
                help_text=help_text,
                # Counted before any is read: each may be 10 MB.
                max_count=m.max_reference_images,
                error_messages={
                    "too_many": f"{m.name.replace('%', '%%')} takes at most "
                    f"{m.max_reference_images} reference images: remove %(extra)s."
                },
                # The page keeps frames and references apart when they cannot mix.
                widget=PendingImages(
                    attrs={"data-combinable": "true" if m.references_with_frames else "false"}
                ),
            )

    # A campaign is at most this many jobs: enough for every format, a few models and takes.
    MAX_VARIANTS = 24
    VARIANT_FIELDS = ("also_formats", "also_models", "takes", "wordings")

    def _add_variant_fields(self) -> None:
        """More versions of the same brief (a campaign): other formats, other models of the
        key, several takes, other wordings. Planned and priced by the campaign page."""
        self.fields["also_formats"] = forms.MultipleChoiceField(
            label="Also in these formats",
            required=False,
            choices=formats.choices(),
            widget=forms.CheckboxSelectMultiple,
            help_text="Made in the format's shape where the model can, else reframed.",
        )
        others = [(m.id, m.name) for m in self.models if m.id != self.model_info.id]
        if others:
            self.fields["also_models"] = forms.MultipleChoiceField(
                label="Also with these models",
                required=False,
                choices=others,
                widget=forms.CheckboxSelectMultiple,
                help_text="Each takes the settings above where it offers them, else its nearest.",
            )
        self.fields["takes"] = forms.TypedChoiceField(
            label="Takes of each",
            choices=[(n, f"{n} take{'s' if n > 1 else ''}") for n in range(1, 5)],
            coerce=int,
            required=False,
            help_text="Each take has its own seed where the model takes one.",
        )
        self.fields["wordings"] = forms.CharField(
            label="Other wordings to try",
            required=False,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="One per line, each in place of the prompt above, in every format and "
            "model chosen.",
        )

    def variant_choices(self) -> dict:
        """The campaign's dimensions as chosen (from the cleaned data once checked)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}

        def chosen(name):
            if name in data:
                return data[name]
            if self.is_bound:
                return self.data.getlist(name) if hasattr(self.data, "getlist") else []
            return self.initial.get(name) or []

        main = self.value("ad_format") or ""
        wordings = data.get("wordings", self.value("wordings") or "")
        takes = data.get("takes") or self.value("takes") or 1
        try:
            takes = max(1, min(4, int(takes)))
        except (TypeError, ValueError):
            takes = 1
        return {
            "formats": list(dict.fromkeys([main, *[f for f in chosen("also_formats") if f]])),
            "models": list(
                dict.fromkeys(
                    [self.model_info.id if self.model_info else "", *chosen("also_models")]
                )
            ),
            "takes": takes,
            "wordings": [line.strip() for line in wordings.splitlines() if line.strip()],
        }

    @property
    def variant_count(self) -> int:
        """How many jobs the form asks for: 1 for a single video."""
        if self.model_info is None or "takes" not in self.fields:
            return 1
        v = self.variant_choices()
        return len(v["formats"]) * len(v["models"]) * v["takes"] * (1 + len(v["wordings"]))

    def _refreshes(self, name: str, changed: str) -> None:
        """Choosing a value of ``name`` re-renders the options it changes (htmx)."""
        self.fields[name].widget.attrs.update(
            {
                "hx-get": reverse("videos:generate_options"),
                "hx-target": "#model-options",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
                "hx-vals": json.dumps({"changed": changed}),
            }
        )

    def _add_brand_fields(self, workspace) -> None:
        """The preset (and one input per placeholder of its prompt) and the brand kit: the
        workspace's own, and the kits of the chosen project's client."""
        presets = list(Preset.objects.offered_for(workspace))
        self.fields["preset"] = forms.ChoiceField(
            label="Preset",
            required=False,
            choices=[("", "No preset")]
            + [(str(p.public_id), p.name if p.shipped else f"{p.name} (saved)") for p in presets],
            help_text="Fills in the prompt and settings; type a value for each {placeholder}.",
            error_messages={"invalid_choice": "That preset is not one this workspace offers."},
        )
        self._refreshes("preset", "preset")
        self.fields["preset_name"] = forms.CharField(
            label="Name of the new preset",
            required=False,
            max_length=100,
            help_text="Saves the prompt (with its {placeholders}), aspect ratio, duration, "
            "audio and model for this workspace.",
        )
        self.preset = next((p for p in presets if str(p.public_id) == self.value("preset")), None)
        if self.preset is not None:
            prompt = self.value("prompt") or self.preset.prompt_template
            for name in dict.fromkeys(self.preset.placeholders + placeholders(prompt)):
                self.fields[f"fill_{name}"] = forms.CharField(
                    label=name.replace("_", " ").capitalize(),
                    required=False,
                    max_length=300,
                    help_text=f"Replaces {{{name}}} in the prompt.",
                )
        project = next(
            (p for p in self.projects if str(p.public_id) == self.value("project")), None
        )
        # The field exists even with no kit to offer, so that a kit sent anyway is refused.
        kits = list(BrandKit.objects.offered_for(workspace, project.client if project else None))
        self.kits_offered = bool(kits)
        self.fields["brand_kit"] = forms.ChoiceField(
            label="Brand kit",
            required=False,
            choices=[("", "No brand kit")]
            + [(str(k.public_id), f"{k.name} ({k.client})" if k.client else k.name) for k in kits],
            error_messages={
                "invalid_choice": "That brand kit is not one of this workspace's (or of the "
                "chosen project's client); choose one from the list."
            },
        )
        self._refreshes("brand_kit", "kit")
        self.kit = next((k for k in kits if str(k.public_id) == self.value("brand_kit")), None)
        uses = compose.image_uses(self.kit, self.model_info) if self.kit and self.model_info else []
        if uses:
            self.fields["brand_images"] = forms.ChoiceField(
                label="Brand kit images", required=False, choices=uses
            )
            self._refreshes("brand_images", "kit")

    @property
    def filled_prompt(self) -> str:
        """The prompt with the preset's placeholders filled in (MissingValues if some are
        empty); the prompt as typed without a preset."""
        return self.filled((self.value("prompt") or "").strip())

    def filled(self, text: str) -> str:
        """``text`` with the preset's placeholders filled in as typed on the form."""
        if self.preset is None:
            return text
        values = {
            name.removeprefix("fill_"): self.value(name) or ""
            for name in self.fields
            if name.startswith("fill_")
        }
        return fill(text, values)

    @property
    def brand_preview(self) -> compose.Applied | None:
        """What the chosen kit adds, worked out as the submit will (compose.apply)."""
        if self.kit is None or self.model_info is None:
            return None
        try:
            prompt = self.filled_prompt
        except MissingValues:
            prompt = (self.value("prompt") or "").strip()
        spec = self.draft_spec(prompt=prompt, negative_prompt=self.value("negative_prompt") or "")
        return compose.apply(self.kit, spec, self.model_info, self.value("brand_images") or "")

    @property
    def provider_labels(self) -> list[str]:
        return [label for _, label in registry.choices()]

    @property
    def audio_note(self) -> str:
        """What the model does about sound when there is no switch for it."""
        if self.model_info and self.model_info.audio_always:
            return "This model always makes sound (included in its price)."
        return ""

    def setting(self, name):
        """``name`` as the form holds it now, read by its field's own rule (the one the job is
        made with: a "yes" audio box is ticked, a duration "08" is 8); None when the form has
        no such field or the value is not one it takes."""
        field = self.fields.get(name)
        if field is None:
            return None
        # Bound: through the widget, as the form's own check reads it.
        value = self[name].data if self.is_bound else self.initial.get(name)
        try:
            return field.clean(value)
        except forms.ValidationError:
            return None

    def draft_spec(self, **changes) -> JobSpec | None:
        """The request the form describes right now, unchecked: for showing its price."""
        m = self.model_info
        if m is None:
            return None
        spec = JobSpec(
            model=m.id,
            prompt="",
            duration=self.setting("duration"),
            resolution=self.setting("resolution") or None,
            aspect_ratio=self.ad_plan.aspect_ratio
            if self.ad_plan
            else self.setting("aspect_ratio") or None,
            # Not sent at all: left out (a preset saved from it keeps no audio setting); it is
            # priced as unticked, as it is made.
            generate_audio=self.setting("generate_audio")
            if self.value("generate_audio") is not None
            else None,
            sample_count=self.setting("sample_count") or 1,
        )
        return replace(spec, **changes)

    def price(self, spec: JobSpec):
        """The one price of a request with this form's key and model: what the page shows,
        the budgets count and the job stores."""
        return registry.adapter(self.chosen_key.provider).estimate(spec, self.model_info)

    @property
    def estimate(self):
        """The price of the settings as they stand, or None when the provider publishes none:
        once the form is checked, of the very request the job is made with (its images and
        brand kit included)."""
        if self.chosen_key is None or self.model_info is None:
            return None
        if hasattr(self, "spec") and not self.errors:
            return self.price(self.spec)
        return self.price(self.draft_spec())

    @property
    def audio_prices(self) -> tuple | None:
        """(without, with) audio, so the switch shows what it costs."""
        if "generate_audio" not in self.fields:
            return None
        prices = [self.price(self.draft_spec(generate_audio=on)) for on in (False, True)]
        if not all(prices) or prices[0].amount == prices[1].amount:
            return None
        return tuple(prices)

    def clean_project(self) -> Project | None:
        wanted = self.cleaned_data.get("project")
        return next((p for p in self.projects if str(p.public_id) == wanted), None)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if self.catalog_error:
            raise forms.ValidationError(self.catalog_error)
        if not key.usable:
            why = key.status_message or key.get_status_display()
            raise forms.ValidationError(
                f"“{key.label}” cannot start a job: {why} Fix it on the Keys page and verify "
                "it again."
            )
        return key

    OPTIONAL_INPUTS = {
        "negative_prompt": "a negative prompt",
        "seed": "a seed",
        "generate_audio": "an audio option",
        "person_generation": "a people setting",
        "sample_count": "a clip count",
        "first_frame": "a first frame image",
        "last_frame": "a last frame image",
        "reference": "reference images",
    }

    def clean(self):
        cleaned = super().clean()
        project, key = cleaned.get("project"), cleaned.get("key")
        if project and key:
            try:
                project.check_in(key.workspace)
            except TeamRuleBroken as exc:
                self.add_error("project", exc.message)
        if self.model_info is None:
            return cleaned
        for name, what in self.OPTIONAL_INPUTS.items():
            sent = self.data.get(name, "").strip() or self.files.get(name)
            if sent and name not in self.fields:
                self.add_error(None, f"{self.model_info.name} does not take {what}.")
        if self.errors:
            return cleaned
        # Checked with Pillow when they were kept; each is read once, here.
        chosen = [(role, cleaned.get(role)) for role in IMAGE_FIELDS if role in self.fields]
        chosen += [("reference", upload) for upload in cleaned.get("reference") or []]
        images = []
        for role, upload in chosen:
            if upload is not None:
                data = upload.read()
                images.append(ImageInput(role, upload.mime_type, data))
                self.pending.append(upload)
                self.kept_paths[hashlib.sha256(data).hexdigest()] = upload.path
        try:
            prompt = self.filled_prompt
        except MissingValues as exc:
            self.add_error("prompt", str(exc))
            for name in exc.names:
                if f"fill_{name}" in self.fields:
                    self.add_error(f"fill_{name}", f"Type what goes in place of {{{name}}}.")
            return cleaned
        spec = JobSpec(
            model=self.model_info.id,
            prompt=prompt,
            negative_prompt=cleaned.get("negative_prompt", "").strip(),
            duration=cleaned.get("duration"),
            resolution=cleaned.get("resolution") or None,
            aspect_ratio=cleaned.get("aspect_ratio") or None,
            # Unticked means "no audio", said out loud: left out, providers bill audio.
            generate_audio=cleaned.get("generate_audio")
            if "generate_audio" in self.fields
            else None,
            seed=cleaned.get("seed"),
            person_generation=cleaned.get("person_generation") or None,
            sample_count=cleaned.get("sample_count") or 1,
            images=tuple(images),
            ad_format=cleaned.get("ad_format") or None,
        )
        # The one place a kit changes a job: the same call as the "What the brand kit adds" box.
        self.applied = compose.apply(
            self.kit, spec, self.model_info, cleaned.get("brand_images") or ""
        )
        self.spec = self.applied.spec
        # The brief before the kit: a campaign applies the kit again for each of its models.
        self.brief = spec
        try:
            self.spec.validate(self.model_info)
        except InvalidSpec as exc:
            for name, message in exc.errors.items():
                self.add_error(name if name in self.fields else None, message)
        try:
            # Other wordings take the preset's values too ({product} as typed above).
            self.wordings = [self.filled(w) for w in self.variant_choices()["wordings"]]
        except MissingValues as exc:
            self.add_error("wordings", str(exc))
        if self.variant_count > self.MAX_VARIANTS:
            self.add_error(
                None,
                f"That is {self.variant_count} videos; a campaign makes at most "
                f"{self.MAX_VARIANTS}. Choose fewer formats, models, takes or wordings.",
            )
        return cleaned


class ConfirmForm(forms.Form):
    """One question before paying again; the key makes a double click one job."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ContinueForm(ConfirmForm):
    """What to do with a clip's next version: how to carry on (extend) or what to change."""

    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=DEFAULT_MAX_PROMPT_CHARS,
        required=False,
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["prompt"]
        if kind == "edit":
            field.required = True
            field.label = "What to change"
            field.help_text = "For example: “Change the setting to snow. Keep everything else.”"
            field.widget.attrs["placeholder"] = "Make the background a sunset beach…"
        else:
            field.label = "How it goes on (optional)"
            field.help_text = "Leave empty to carry on with the original prompt."

    def clean_prompt(self):
        return self.cleaned_data["prompt"].strip()


def preset_initial(preset: Preset) -> dict:
    """The generate form's initial values for a preset: its prompt template and settings
    (mapped as a job's stored settings are), and the model its hint names, if the key has it."""
    initial = {"preset": str(preset.public_id), "prompt": preset.prompt_template}
    initial.update(VideoJob.initial_of(preset.parameters))
    if preset.model_hint:
        initial["model_hint"] = preset.model_hint
    return initial


def key_choice_label(key: ProviderKey) -> str:
    label = f"{key.label} ({registry.label(key.provider)}, {key.masked})"
    return label if key.usable else f"{label}: {key.get_status_display().lower()}"


def project_choices(projects) -> list:
    """Projects grouped by client (the workspace named too when there are several)."""
    several = len({p.client.workspace_id for p in projects}) > 1
    groups: dict[str, list] = {}
    for p in projects:
        group = f"{p.client.name} ({p.client.workspace.name})" if several else p.client.name
        groups.setdefault(group, []).append((str(p.public_id), f"{p.client.name} — {p.name}"))
    return list(groups.items())


class ClientProjectFilter(forms.Form):
    """The client and project filters of the videos list and the library (GET). Values are
    public ids (or numbers); one the visitor cannot see filters to nothing rather than being
    ignored, so a shared link never shows more than it names."""

    client = forms.ChoiceField(label="Client", required=False)
    project = forms.ChoiceField(label="Project", required=False)

    def __init__(self, query, *, user, workspace=None):
        wanted = {name: query.get(name, "").strip() for name in ("client", "project")}
        super().__init__(initial=wanted, auto_id="f-%s")
        self.user, self.wanted = user, wanted
        clients = Client.objects.visible_to(user).select_related("workspace")
        projects = Project.objects.visible_to(user).select_related("client__workspace")
        if workspace is not None:
            clients = clients.filter(workspace=workspace)
            projects = projects.filter(client__workspace=workspace)
        self.clients = list(clients)
        several = len({c.workspace_id for c in self.clients}) > 1
        self.fields["client"].choices = [("", "Any client")] + [
            (str(c.public_id), f"{c.name} ({c.workspace.name})" if several else c.name)
            for c in self.clients
        ]
        self.fields["project"].choices = [("", "Any project"), *project_choices(projects)]

    @property
    def active(self) -> bool:
        return any(self.wanted.values())

    def apply(self, queryset, path: str = ""):
        """``queryset`` narrowed to the chosen client and project; ``path`` leads from its
        model to the job (``"job__"`` for clips)."""
        if self.wanted["client"]:
            clients = Client.objects.visible_to(self.user).named_by(self.wanted["client"])
            queryset = queryset.filter(**{f"{path}project__client__in": clients})
        if self.wanted["project"]:
            projects = Project.objects.visible_to(self.user).named_by(self.wanted["project"])
            queryset = queryset.filter(**{f"{path}project__in": projects})
        return queryset


# What marketers call each shape (the library's "Format"); other ratios go by their numbers.
FORMAT_NAMES = {
    "9:16": "Vertical (Reels, TikTok, Shorts)",
    "16:9": "Landscape (YouTube)",
    "1:1": "Square (feed)",
    "4:5": "Portrait (feed)",
}


def format_choices() -> list:
    """The aspect ratios the app knows, named for where they are used, best known first."""
    # 4:5 is no model's ratio, but ad formats make it.
    shapes = set(ASPECT_RATIOS) | {f.ratio for f in formats.FORMATS.values()}
    known = [ratio for ratio in FORMAT_NAMES if ratio in shapes]
    others = [ratio for ratio in ASPECT_RATIOS if ratio not in FORMAT_NAMES]
    return [(ratio, FORMAT_NAMES.get(ratio, ratio)) for ratio in known + others]


class LibraryFilter(forms.Form):
    """The library's own filters (GET), beside ClientProjectFilter's client and project."""

    q = forms.CharField(
        label="Prompt contains", required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    aspect = forms.ChoiceField(label="Format", required=False)
    starred = forms.BooleanField(label="Starred only", required=False)

    def __init__(self, query):
        super().__init__(query, auto_id="f-%s")
        self.fields["aspect"].choices = [("", "Any format"), *format_choices()]

    def values(self) -> dict:
        """The filters that make sense (a mistyped format is left out), as cleaned."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}

    @property
    def active(self) -> bool:
        return any(self.values().values())

    def apply(self, clips):
        wanted = self.values()
        if query := (wanted["q"] or "").strip():
            clips = clips.filter(job__prompt__icontains=query)
        if wanted["aspect"]:
            # Made at that ratio, or for an ad format of that ratio (4:5 is never made natively).
            made_for = [f.key for f in formats.FORMATS.values() if f.ratio == wanted["aspect"]]
            clips = clips.filter(
                Q(job__parameters__aspect_ratio=wanted["aspect"])
                | Q(job__parameters__ad_format__in=made_for)
            )
        if wanted["starred"]:
            clips = clips.filter(starred=True)
        return clips


class ClipTitleForm(forms.Form):
    """A clip's name; empty calls it "Clip N" again."""

    title = forms.CharField(required=False, strip=True)

    def __init__(self, *args, clip, **kwargs):
        super().__init__(*args, auto_id=f"clip-{clip.number}-%s", **kwargs)
        self.clip_number = clip.number
        field = self.fields["title"]
        field.label = f"Name of clip {clip.number}"
        field.widget.attrs.update(maxlength=Clip.TITLE_MAX, placeholder=f"Clip {clip.number}")

    def clean_title(self):
        try:
            return Clip.clean_title(self.cleaned_data["title"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class MoveProjectForm(forms.Form):
    """The project a job is filed under: one of its workspace's, or none. Any project the
    visitor can see is looked up, so that one of another workspace gets the model's plain
    refusal rather than a bare "not a valid choice"."""

    project = forms.CharField(label="Project", required=False, widget=forms.Select)

    def __init__(self, *args, job, user, **kwargs):
        super().__init__(*args, auto_id="job-%s", **kwargs)
        self.user = user
        projects = Project.objects.filter(client__workspace=job.workspace).select_related(
            "client__workspace"
        )
        choices = project_choices(projects)
        # Nothing to move to in a workspace without projects (and none to leave).
        self.offered = bool(choices) or bool(job.project_id)
        self.fields["project"].widget.choices = [("", "No project"), *choices]
        if job.project_id and not self.is_bound:
            self.initial["project"] = str(job.project.public_id)

    def clean_project(self):
        value = self.cleaned_data["project"].strip()
        if not value:
            return None
        project = Project.objects.visible_to(self.user).named_by(value).first()
        if project is None:
            raise forms.ValidationError("There is no such project; choose one from the list.")
        return project


class CompareForm(forms.Form):
    """The version to compare a job with (GET ``with``): one of ``comparison.choices``."""

    def __init__(self, comparison):
        super().__init__(initial={"with": str(comparison.other.public_id)}, auto_id="compare-%s")
        self.fields["with"] = forms.ChoiceField(
            label="Compare with",
            choices=[(str(v.public_id), _version_name(v)) for v in comparison.choices],
        )


def _version_name(job) -> str:
    take = f", take {job.take}" if getattr(job, "take", None) else ""
    return f"Version {job.version}{take}"
