from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request):
    """The nav badge's count: one query, and only when a page shows the nav to a logged-in user
    (fragments, guests and anonymous visitors never ask)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.unread_for(user).count()
        )
    }
