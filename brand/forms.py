import re

from django import forms

from .images import ACCEPT, checked_image
from .models import BrandImage, BrandKit

MAX_PRODUCT_IMAGES = 6
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name: cleans to a list (empty when none was chosen)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class BrandKitForm(forms.ModelForm):
    logo = forms.FileField(
        label="Logo",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text="PNG, JPEG or WebP up to 10 MB; a new one replaces the old.",
    )
    products = MultipleFileField(
        label="Product images",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}),
        help_text=f"Added to those the kit has (at most {MAX_PRODUCT_IMAGES}).",
    )

    class Meta:
        model = BrandKit
        fields = ["name", "client", "voice_notes", "visual_rules", "words_to_avoid", "colours"]
        widgets = {
            "voice_notes": forms.Textarea(attrs={"rows": 3}),
            "visual_rules": forms.Textarea(attrs={"rows": 2}),
            "words_to_avoid": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"client": "A client's kit is offered only for that client's projects."}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.instance.workspace = workspace
        self.fields["client"].queryset = workspace.clients.all()
        self.fields["client"].empty_label = "Every client (the whole workspace)"
        self.existing = self.instance.ordered_images() if self.instance.pk else []
        if self.existing:
            self.fields["remove_images"] = forms.MultipleChoiceField(
                label="Remove images",
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(i.pk), i.label.capitalize()) for i in self.existing],
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the kit a name.")
        taken = BrandKit.objects.filter(workspace=self.workspace, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"{self.workspace.name} already has a kit called “{name}”.")
        return name

    def clean_colours(self):
        colours = [c.strip() for c in re.split(r"[,\n]", self.cleaned_data["colours"]) if c.strip()]
        wrong = [c for c in colours if c.startswith("#") and not COLOUR.fullmatch(c)]
        if wrong:
            raise forms.ValidationError(
                f"{', '.join(wrong)} is not a colour code; write it like #0B3D91 or #fff, or "
                "name the colour."
            )
        return ", ".join(colours)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        return checked_image(upload, "Logo") if upload else None

    def clean_products(self):
        uploads = self.cleaned_data.get("products") or []
        return [checked_image(u, f"Product image {n}") for n, u in enumerate(uploads, start=1)]

    def clean(self):
        cleaned = super().clean()
        removed = set(cleaned.get("remove_images") or [])
        kept = [i for i in self.existing if i.kind == "product" and str(i.pk) not in removed]
        if len(kept) + len(cleaned.get("products") or []) > MAX_PRODUCT_IMAGES:
            self.add_error(
                "products",
                f"A kit keeps at most {MAX_PRODUCT_IMAGES} product images; it has {len(kept)}. "
                "Remove some first.",
            )
        return cleaned

    def save(self, *, by):
        kit = self.instance
        if kit.pk is None:
            kit.created_by = by
        kit = super().save()
        removed = set(self.cleaned_data.get("remove_images") or [])
        for image in self.existing:
            if str(image.pk) in removed:
                image.delete()
        if self.cleaned_data.get("logo"):
            kit.add_image(BrandImage.Kind.LOGO, *self.cleaned_data["logo"])
        for mime_type, data in self.cleaned_data.get("products") or []:
            kit.add_image(BrandImage.Kind.PRODUCT, mime_type, data)
        return kit


class RenamePresetForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
