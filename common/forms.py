"""Image fields whose images are kept as pending uploads.

An image field of a form is a ``PendingImagesField``: choosing a file sends it at once (htmx)
to ``common:upload``, which keeps it as the person's pending upload and answers with its
thumbnail, a remove button and a hidden input carrying its id. Every later render of the form
(an htmx re-render, a refused submit) carries those ids, so the image stays; a form sent
without JavaScript keeps the files it brings the same way when it is cleaned.
"""

import json
import uuid
from dataclasses import dataclass, field

from django import forms
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.urls import reverse

from .images import ACCEPT, MAX_IMAGE_BYTES
from .models import NoRoom, PendingUpload
from .uploads import RefusedUpload, too_much


@dataclass
class Chosen:
    """What a form sent for an image field: ids of pending uploads, and new files."""

    ids: list = field(default_factory=list)
    files: list = field(default_factory=list)


def as_list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v not in (None, "")]
    return [value]


class PendingImages(forms.Widget):
    """A file input that keeps what is chosen at once, and the thumbnails of what is kept."""

    template_name = "common/pending_images.html"

    def __init__(self, attrs=None, *, multiple=False, item_label="Image"):
        super().__init__(attrs)
        self.multiple = multiple
        self.item_label = item_label

    def value_from_datadict(self, data, files, name):
        ids = data.getlist(name) if hasattr(data, "getlist") else as_list(data.get(name))
        sent = files.getlist(name) if files is not None and hasattr(files, "getlist") else []
        # A value that is no id (a browser's name for an empty file input) is left out later.
        return Chosen(ids=[i for i in ids if isinstance(i, str)], files=[f for f in sent if f])

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"].update(
            id=widget_id,
            uploads=value or [],
            multiple=self.multiple,
            accept=ACCEPT,
            upload_url=reverse("common:upload"),
            item_label=self.item_label,
            max_megabytes=MAX_IMAGE_BYTES // 1024**2,
            upload_vals=json.dumps(
                {
                    "upload_for": name,
                    "upload_id": widget_id,
                    "upload_label": self.item_label,
                    "upload_multiple": "1" if self.multiple else "",
                }
            ),
            errors=getattr(self, "upload_errors", []),
        )
        return context

    def use_required_attribute(self, initial):
        return False


class PendingImagesBoundField(BoundField):
    """Its value is the pending uploads the form holds: those kept when it was cleaned (new
    files included), else those its data or initial values name."""

    def value(self):
        if self.field.kept is not None:
            return self.field.kept
        if self.form.is_bound:
            ids = self.field.widget.value_from_datadict(self.form.data, None, self.html_name).ids
        else:
            ids = as_list(self.initial)
        return self.field.uploads(ids)


class PendingImagesField(forms.Field):
    """One image (``multiple=False``) or several, kept as pending uploads of ``owner`` (set by
    the form: the visitor). Cleans to a PendingUpload (or None), or a list of them."""

    widget = PendingImages
    default_error_messages = {
        "too_many": "At most %(max)s images are taken here: remove %(extra)s.",
    }

    def __init__(self, *, multiple=False, item_label=None, owner=None, max_count=None, **kwargs):
        """``max_count``: how many images it takes (more are refused before any is read)."""
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.multiple, self.owner, self.max_count = multiple, owner, max_count
        self.item_label = item_label or str(self.label or "Image")
        self.widget.multiple = multiple
        self.widget.item_label = self.item_label
        self.kept: list | None = None

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.kept = None
        return copied

    def uploads(self, ids) -> list[PendingUpload]:
        return PendingUpload.objects.of(self.owner).named(as_list(ids))

    def keep(self, chosen: Chosen) -> tuple[list[PendingUpload], list[str]]:
        """The uploads ``chosen`` names and the files it brings, kept; and what went wrong."""
        ids = as_list(chosen.ids)
        kept = self.uploads(ids)
        errors = []
        if len(kept) < len({i for i in ids if _is_id(i)}):
            errors.append(
                f"{self.item_label}: an image chosen earlier is no longer kept (it was used "
                "already, removed, or not used within a day). Choose it again."
            )
        # Refused while they arrived because the request's files passed their total: said once.
        late = [f for f in chosen.files if getattr(f, "reason", "") == RefusedUpload.TOO_MUCH]
        files = [f for f in chosen.files if f not in late]
        for number, upload in enumerate(files):
            label = f"{self.item_label} {len(kept) + 1}" if self.multiple else self.item_label
            try:
                kept.append(PendingUpload.keep(self.owner, upload, label))
            except NoRoom as exc:
                errors.extend(exc.messages)
                if left := len(files) - number - 1:
                    errors.append(f"{left} more images chosen with it were not kept either.")
                break
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if late:
            errors.append(f"{self.item_label}: {too_much(late)}")
        if not self.multiple and len(kept) > 1:
            kept = kept[-1:]  # the one chosen last replaces the one before
        return kept, errors

    def clean(self, value):
        chosen = value if isinstance(value, Chosen) else Chosen(ids=as_list(value))
        kept, errors = self.keep(chosen)
        self.kept = kept
        if errors:
            raise forms.ValidationError(errors)
        if self.required and not kept:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_count is not None and len(kept) > self.max_count:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": self.max_count, "extra": len(kept) - self.max_count},
            )
        if self.multiple:
            return kept
        return kept[0] if kept else None

    def get_bound_field(self, form, field_name):
        return PendingImagesBoundField(form, self, field_name)

    def has_changed(self, initial, data):
        return bool(data.files) or as_list(initial) != as_list(data.ids)


def _is_id(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def pending_fields(form) -> dict:
    """The form's image fields: {name: field}."""
    return {n: f for n, f in form.fields.items() if isinstance(f, PendingImagesField)}


def render_pending(name, uploads, *, widget_id, item_label, multiple, errors=()) -> str:
    """The thumbnails and file input of one image field, as the upload view answers."""
    widget = PendingImages(multiple=multiple, item_label=item_label)
    widget.upload_errors = list(errors)
    context = widget.get_context(name, uploads, {"id": widget_id})
    return render_to_string(widget.template_name, context)
