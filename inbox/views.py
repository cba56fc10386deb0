from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.redirects import is_local_path

from .models import Notification

LATEST = 50


def notifications(request):
    """The visitor's latest notifications, unread ones marked."""
    latest = Notification.objects.for_user(request.user)[:LATEST]
    return render(request, "inbox/list.html", {"notifications": latest})


@require_POST
def mark_all_read(request):
    marked = Notification.objects.mark_all_read(request.user)
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' * (marked != 1)} as read.")
    return redirect("inbox:list")


@require_http_methods(["GET", "POST"])
def open_notification(request, pk):
    """Mark one of the visitor's own notifications read and go where it points (a path on this
    site only: anything else is refused)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if not is_local_path(notification.url):
        messages.error(request, "That notification points outside this site; it was not opened.")
        return redirect("inbox:list")
    notification.mark_read()
    return redirect(notification.url)
