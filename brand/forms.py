import re

from django import forms

from common.forms import PendingImagesField

from .models import BrandImage, BrandKit

MAX_PRODUCT_IMAGES = 6
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class BrandKitForm(forms.ModelForm):
    """A kit's words and images. Images chosen are kept as the visitor's pending uploads at
    once, so a kit refused for another field keeps them; saving the kit takes them over."""

    logo = PendingImagesField(
        label="Logo",
        help_text="PNG, JPEG or WebP up to 10 MB; a new one replaces the old.",
    )
    products = PendingImagesField(
        label="Product images",
        multiple=True,
        item_label="Product image",
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

    def __init__(self, *args, workspace, owner, **kwargs):
        """``owner``: the visitor, whose pending uploads the image fields hold."""
        super().__init__(*args, **kwargs)
        self.fields["logo"].owner = self.fields["products"].owner = owner
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
        if logo := self.cleaned_data.get("logo"):
            kit.adopt_image(BrandImage.Kind.LOGO, logo)
        for upload in self.cleaned_data.get("products") or []:
            kit.adopt_image(BrandImage.Kind.PRODUCT, upload)
        return kit


class RenamePresetForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
