"""The generate form's campaign variants: other formats, models, takes and wordings."""

from django import forms

from .. import formats


class CampaignVariants:
    """The generate form's campaign: more versions of the same brief. Built into
    ``GenerateForm``."""

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
