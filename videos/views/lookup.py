"""How the views fetch a job or a clip through the access check, and go back where a form
was."""

from django.http import Http404

from workspaces import access
from workspaces.models import Membership

from ..models import Clip, VideoJob

# What the job page and its live panel show of a job, fetched with it (the campaign of a
# campaign's video through its reverse one-to-one).
JOB_PAGE_RELATED = ("key", "project__client", "owner", "brand_kit", "preset", "variant__campaign")


def _job(request, public_id, *related, needs=None) -> tuple[VideoJob, Membership]:
    """A job the visitor may see (else 404) and, if ``needs`` says so, act on (else 403), with
    the visitor's membership of its workspace."""
    return access.get_for_user(
        VideoJob.objects.select_related("workspace", *related),
        request.user,
        needs=needs,
        public_id=public_id,
    )


def _clip(request, public_id, number, needs=None) -> tuple[Clip, Membership]:
    return access.get_for_user(
        Clip.objects.select_related("job__workspace"),
        request.user,
        needs=needs,
        job__public_id=public_id,
        index=number - 1,
    )


def _ready_clip(request, public_id, number, needs=None) -> tuple[Clip, Membership]:
    clip, membership = _clip(request, public_id, number, needs)
    if clip.status != Clip.Status.READY:
        raise Http404("This clip is not in storage (yet).")
    return clip, membership
