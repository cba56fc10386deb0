import re

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseNotAllowed

from .forms import Chosen, PendingImagesField, render_pending
from .models import PendingUpload

NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


def upload(request):
    """Keep the images just chosen in a form's image field (htmx, on change) as the visitor's
    pending uploads; answer with the field's thumbnails, those it had and the new ones."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    name = request.POST.get("upload_for", "")
    widget_id = request.POST.get("upload_id", "")
    if not NAME.fullmatch(name) or not NAME.fullmatch(widget_id):
        return HttpResponse("Which field is this image for?", status=400, content_type="text/plain")
    multiple = request.POST.get("upload_multiple") == "1"
    label = " ".join(request.POST.get("upload_label", "").split())[:60] or "Image"
    field = PendingImagesField(multiple=multiple, item_label=label, owner=request.user)
    chosen = Chosen(ids=request.POST.getlist(name), files=request.FILES.getlist(name))
    replaced = [] if multiple or not chosen.files else field.uploads(chosen.ids)
    kept, errors = field.keep(chosen)
    for upload in replaced:  # a frame chosen again: the one before is no longer wanted
        if upload not in kept:
            upload.forget()
    html = render_pending(
        name, kept, widget_id=widget_id, item_label=label, multiple=multiple, errors=errors
    )
    return HttpResponse(html, status=200)


def _own(request, public_id) -> PendingUpload:
    """A pending upload of the visitor's: anyone else's is 404, whoever they are."""
    found = PendingUpload.objects.of(request.user).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such image.")
    return found


def upload_file(request, public_id):
    """The image, made small, for its thumbnail."""
    pending = _own(request, public_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not default_storage.exists(pending.path):
        raise Http404("No such image.")
    mime_type, data = pending.thumbnail()
    response = HttpResponse(data, content_type=mime_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


def upload_remove(request, public_id):
    """Forget an image chosen by mistake (htmx swaps its thumbnail out with nothing)."""
    pending = _own(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pending.forget()
    return HttpResponse("")
