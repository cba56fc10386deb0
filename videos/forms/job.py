"""The forms of the job page: asking before paying again, a clip's next version, its name,
the project a job is filed under, the version to compare with."""

from django import forms

from providers.base import (
    DEFAULT_MAX_PROMPT_CHARS,
)
from workspaces.models import Project

from ..models import Clip
from .fields import project_choices


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
