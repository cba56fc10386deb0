"""What the generate page shows beside its form: the visitor's latest videos, the examples to
start from on a first visit, how long the chosen model usually takes and the budgets left.
Campaign plans, which are made on the same page, show it too."""

from brand.models import Preset

from .models import VideoJob


def generate_context(request, form, scope=None) -> dict:
    """The form, its summary, the visitor's latest jobs (in the page's workspace), and for
    someone who has made nothing yet, the shipped presets to start from."""
    recent = VideoJob.objects.visible_to(request.user).in_scope(scope)
    recent = list(recent.filter(owner=request.user).order_by("-created_at")[:5])
    first_time = not recent and not VideoJob.objects.filter(owner=request.user).exists()
    return {
        "form": form,
        "scope": scope,
        "recent": recent,
        "examples": list(Preset.objects.shipped().order_by("pk")) if first_time else [],
        **summary(request, form),
    }


def summary(request, form) -> dict:
    """What the summary beside the form needs besides the form (which knows the format, kit
    and price): how long a job of the chosen model usually takes among the visitor's jobs,
    and what is left this month of the budget the video must fit (the chosen key's
    workspace's, or the chosen project's client's), counted as the spend page counts it."""
    if form.model_info is None:
        return {"typical_wait": None, "budgets": []}
    wait = VideoJob.objects.visible_to(request.user).typical_wait(form.model_info.id)
    project = next((p for p in form.projects if str(p.public_id) == form.value("project")), None)
    budgets = VideoJob.budgets_left(form.chosen_key.workspace, project.client if project else None)
    return {"typical_wait": _in_words(wait) if wait is not None else None, "budgets": budgets}


def _in_words(span) -> str:
    """A duration as people say it: "about 45 s", "about 2 min 10 s"."""
    minutes, seconds = divmod(round(span.total_seconds()), 60)
    if not minutes:
        return f"about {seconds} s"
    return f"about {minutes} min {seconds} s" if seconds else f"about {minutes} min"
