"""The generate form: everything one video job needs."""

import hashlib
import json
from dataclasses import replace

from django import forms
from django.db.models import F
from django.urls import reverse

from brand import compose
from brand.models import BrandKit, MissingValues, Preset, fill, placeholders
from common.forms import as_list, pending_fields
from keys.forms import key_choice_label
from keys.models import ProviderKey
from keys.vault import VaultError
from providers import registry
from providers.base import (
    DEFAULT_MAX_PROMPT_CHARS,
    ImageInput,
    InvalidSpec,
    JobSpec,
    ModelInfo,
    ProviderError,
)
from workspaces.models import Project, TeamRuleBroken

from .. import formats
from ..models import VideoJob
from .campaign import CampaignVariants
from .fields import IMAGE_FIELDS, ModelFields, project_choices


class GenerateForm(ModelFields, CampaignVariants, forms.Form):
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


def preset_initial(preset: Preset) -> dict:
    """The generate form's initial values for a preset: its prompt template and settings
    (mapped as a job's stored settings are), and the model its hint names, if the key has it."""
    initial = {"preset": str(preset.public_id), "prompt": preset.prompt_template}
    initial.update(VideoJob.initial_of(preset.parameters))
    if preset.model_hint:
        initial["model_hint"] = preset.model_hint
    return initial
