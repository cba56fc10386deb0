"""Brand kits (what a brand adds to every prompt) and prompt presets (named starting points)."""

import re
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.functional import cached_property

from common.images import EXTENSIONS
from common.models import PendingUpload
from common.storage import remove_when_committed
from providers.base import ImageInput
from workspaces.models import Client, OwnedQuerySet, TeamRuleBroken, Workspace


class BrandKitQuerySet(OwnedQuerySet):
    def offered_for(self, workspace, client=None):
        """The kits a job of ``workspace`` (for ``client``'s project, if any) may use: the
        workspace's own, and those of that client."""
        return self.filter(workspace=workspace).filter(
            Q(client__isnull=True) | Q(client=client) if client else Q(client__isnull=True)
        )


class BrandKit(models.Model):
    """A brand's voice, visual rules and images, added to a prompt with one choice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="brand_kits")
    # A client's own kit is offered for that client's projects only.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="brand_kits"
    )
    name = models.CharField(max_length=100)
    voice_notes = models.TextField(
        "Voice and style",
        blank=True,
        max_length=1000,
        help_text="Added to every prompt, e.g. “Warm, confident, unhurried; natural light.”",
    )
    visual_rules = models.TextField(
        "Visual rules",
        blank=True,
        max_length=1000,
        help_text="What never appears; they become the negative prompt, e.g. “clutter, neon, "
        "stock-photo smiles”.",
    )
    words_to_avoid = models.TextField(
        blank=True,
        max_length=500,
        help_text="Comma separated; added as “Avoid: …”.",
    )
    colours = models.CharField(
        blank=True,
        max_length=300,
        help_text="Names or hex codes, comma separated, e.g. “#0B3D91, warm white”.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandKitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_kit_name_per_workspace")
        ]

    def __str__(self):
        return self.name

    @property
    def avoided_words(self) -> list[str]:
        return [w.strip() for w in re.split(r"[,\n]", self.words_to_avoid) if w.strip()]

    @property
    def colour_list(self) -> list[str]:
        return [c.strip() for c in re.split(r"[,\n]", self.colours) if c.strip()]

    def remove(self) -> None:
        """Delete the kit, and its images' files once that is committed; jobs made with it
        keep what it added."""
        self.delete()

    @cached_property
    def _image_data(self) -> dict[str, bytes]:
        return {}

    def image_input(self, image: "BrandImage", role: str) -> ImageInput:
        """One of its images as a job's input, read from storage once for this kit as loaded:
        a campaign plan applies the kit to each of its videos, which then share the bytes."""
        if image.path not in self._image_data:
            self._image_data[image.path] = image.as_input(role).data
        return ImageInput(role, image.mime_type, self._image_data[image.path])

    def ordered_images(self) -> list["BrandImage"]:
        """The logo first, then the product images in the order they were added."""
        return sorted(self.images.all(), key=lambda i: (i.kind != BrandImage.Kind.LOGO, i.pk))

    def add_image(self, kind: str, mime_type: str, data: bytes) -> "BrandImage":
        """Store a checked image; a new logo replaces the old one."""
        if kind == BrandImage.Kind.LOGO:
            for old in self.images.filter(kind=kind):
                old.delete()
        name = f"brand/{self.public_id}/{uuid.uuid4().hex}.{EXTENSIONS.get(mime_type, 'bin')}"
        path = default_storage.save(name, ContentFile(data))
        return BrandImage.objects.create(kit=self, kind=kind, mime_type=mime_type, path=path)

    def adopt_image(self, kind: str, upload: PendingUpload) -> "BrandImage | None":
        """Take a pending upload over as one of the kit's images (its file, not a copy); None
        when it was taken over or forgotten meanwhile. A new logo replaces the old one."""
        if not PendingUpload.objects.consume([upload]):
            return None
        if kind == BrandImage.Kind.LOGO:
            for old in self.images.filter(kind=kind):
                old.delete()
        return BrandImage.objects.create(
            kit=self, kind=kind, mime_type=upload.mime_type, path=upload.path
        )


class BrandImage(models.Model):
    class Kind(models.TextChoices):
        LOGO = "logo", "Logo"
        PRODUCT = "product", "Product image"

    kit = models.ForeignKey(BrandKit, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=10, choices=Kind)
    mime_type = models.CharField(max_length=20)
    path = models.CharField(max_length=300)  # a name in the default storage

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.kind == self.Kind.LOGO:
            return "the logo"
        number = [i.pk for i in self.kit.images.all() if i.kind == self.Kind.PRODUCT].index(self.pk)
        return f"product image {number + 1}"

    def as_input(self, role: str) -> ImageInput:
        with default_storage.open(self.path, "rb") as handle:
            return ImageInput(role, self.mime_type, handle.read())


@receiver(post_delete, sender=BrandImage)
def remove_image_file(sender, instance, **kwargs):
    """However a brand image goes (removed from its kit, with its kit, its client or its
    workspace), its file goes once that is committed; a deletion rolled back keeps it."""
    remove_when_committed([instance.path])


PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,30})\}")


class MissingValues(ValueError):
    def __init__(self, names: list[str]):
        self.names = names
        listed = ", ".join("{" + n + "}" for n in names)
        super().__init__(
            f"Fill in {listed}: the prompt uses {'it' if len(names) == 1 else 'them'}."
        )


def placeholders(template: str) -> list[str]:
    """The names of ``template``'s {placeholders}, each once, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(template)))


def fill(template: str, values: dict) -> str:
    """``template`` with its placeholders replaced by ``values`` (MissingValues names those
    with no value)."""
    missing = [n for n in placeholders(template) if not (values.get(n) or "").strip()]
    if missing:
        raise MissingValues(missing)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)].strip(), template)


class PresetQuerySet(OwnedQuerySet):
    def visible_to(self, user):
        """The presets shipped with the app and those of ``user``'s workspaces."""
        return self.filter(workspace__isnull=True) | super().visible_to(user)

    def shipped(self):
        return self.filter(workspace__isnull=True)

    def offered_for(self, workspace):
        return self.filter(Q(workspace__isnull=True) | Q(workspace=workspace))


class Preset(models.Model):
    """Named settings with a prompt template; ``workspace`` None: shipped with the app (read
    only)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="presets"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    prompt_template = models.TextField(max_length=4000)
    # Stored as a job stores its settings (VideoJob.parameters): aspect_ratio, duration,
    # generate_audio.
    parameters = models.JSONField(default=dict, blank=True)
    model_hint = models.CharField(
        max_length=100, blank=True, help_text="Part of a model's id, e.g. “veo”."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PresetQuerySet.as_manager()

    SETTINGS = ("aspect_ratio", "duration", "generate_audio")

    class Meta:
        ordering = ["workspace_id", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def save_as(cls, workspace, name: str, template: str, parameters: dict, *, model: str, by):
        """A new preset of ``workspace``; TeamRuleBroken if the name is taken or the prompt
        empty."""
        name = name.strip()
        if not name:
            raise TeamRuleBroken("Give the preset a name.")
        longest = cls._meta.get_field("name").max_length
        if len(name) > longest:
            raise TeamRuleBroken(
                f"A preset's name can be at most {longest} characters (this one has "
                f"{len(name)}); shorten it and save again."
            )
        if not template.strip():
            raise TeamRuleBroken("Write the prompt the preset starts from first.")
        if cls.objects.offered_for(workspace).filter(name__iexact=name).exists():
            raise TeamRuleBroken(f"There is already a preset called “{name}”; choose another name.")
        settings = {k: v for k, v in parameters.items() if k in cls.SETTINGS and v is not None}
        return cls.objects.create(
            workspace=workspace,
            name=name,
            prompt_template=template.strip(),
            parameters=settings,
            model_hint=model,
            created_by=by,
        )

    def rename(self, name: str) -> None:
        name = name.strip()
        taken = Preset.objects.offered_for(self.workspace).filter(name__iexact=name)
        if taken.exclude(pk=self.pk).exists():
            raise TeamRuleBroken(f"There is already a preset called “{name}”; choose another name.")
        self.name = name
        self.save(update_fields=["name"])

    @property
    def shipped(self) -> bool:
        return self.workspace_id is None

    @property
    def placeholders(self) -> list[str]:
        return placeholders(self.prompt_template)

    @property
    def settings_summary(self) -> list[str]:
        s = self.parameters
        words = [f"{s['duration']} s"] if s.get("duration") else []
        words += [s["aspect_ratio"]] if s.get("aspect_ratio") else []
        if s.get("generate_audio") is not None:
            words.append("with audio" if s["generate_audio"] else "no audio")
        return words
