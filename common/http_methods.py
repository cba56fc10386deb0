"""Every view answers only the HTTP methods it handles; any other gets 405 with an ``Allow``
header naming those it does. Applied once, to the whole URL configuration, so that no page
(present or future) answers PUT, PATCH, DELETE or TRACE with itself.

What a view handles: a class-based view, what Django's ``View`` says (its handlers, but not the
PUT a form view takes as another name for POST); a function
view limited by ``require_http_methods`` (``require_POST``, ``require_safe``...), that list; any
other function view, a page and its form: GET, HEAD and POST.
"""

import inspect
from functools import wraps

from django.http import HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from django.utils.log import log_response
from django.views.generic.edit import ProcessFormView

PAGE = ("GET", "HEAD", "POST")


def allowed(view) -> list[str]:
    """The methods ``view`` (a URL pattern's callback) handles, upper case."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        # As Django's View answers: HEAD wherever there is GET.
        handled = [m for m in view_class.http_method_names if hasattr(view_class, m)]
        if getattr(view_class, "put", None) is ProcessFormView.put:
            handled.remove("put")  # a form view's PUT is only its POST under another name
        if "get" in handled and "head" not in handled:
            handled.insert(handled.index("get") + 1, "head")
        return [m.upper() for m in handled]
    # require_http_methods keeps its list in the closure of the function it returns, which
    # other decorators may wrap (each keeping the one inside as ``__wrapped__``).
    while view is not None:
        try:
            listed = inspect.getclosurevars(view).nonlocals.get("request_method_list")
        except TypeError:
            listed = None
        if listed:
            return list(listed)
        view = getattr(view, "__wrapped__", None)
    return list(PAGE)


def only_handled(view):
    """``view``, answering 405 (with ``Allow``) to a method it does not handle."""
    methods = allowed(view)

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.method not in methods:
            response = HttpResponseNotAllowed(methods)
            log_response(
                "Method Not Allowed (%s): %s",
                request.method,
                request.path,
                response=response,
                request=request,
            )
            return response
        return view(request, *args, **kwargs)

    return checked


def limit_methods(patterns) -> list:
    """Every view of ``patterns`` (and of the URL configurations they include), checked by
    ``only_handled``. Returns ``patterns``."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            limit_methods(entry.url_patterns)
        elif isinstance(entry, URLPattern) and not getattr(entry.callback, "methods_checked", 0):
            entry.callback = only_handled(entry.callback)
            entry.callback.methods_checked = True
    return patterns
