"""The generate form's setting fields (a model's settings, the audio switch, image inputs)
and the fields that follow the chosen model."""

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from common.forms import PendingImages, PendingImagesField
from providers.base import (
    PERSON_GENERATION,
    ModelInfo,
)

from .. import formats

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


def project_choices(projects) -> list:
    """Projects grouped by client (the workspace named too when there are several)."""
    several = len({p.client.workspace_id for p in projects}) > 1
    groups: dict[str, list] = {}
    for p in projects:
        group = f"{p.client.name} ({p.client.workspace.name})" if several else p.client.name
        groups.setdefault(group, []).append((str(p.public_id), f"{p.client.name} — {p.name}"))
    return list(groups.items())


class ModelFields:
    """The generate form's fields that follow the chosen model (its resolutions, durations,
    aspect ratios, clip counts, negative prompt, audio, seed, people, images) and the ad
    format, which decides the shape asked for. Built into ``GenerateForm``."""

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
