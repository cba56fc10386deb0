"""The filters of the videos list and the library."""

from django import forms
from django.db.models import Q

from providers.base import (
    ASPECT_RATIOS,
)
from workspaces.models import Client, Project

from .. import formats
from .fields import project_choices


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
