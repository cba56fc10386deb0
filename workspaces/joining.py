"""Getting in: an invitation's link (making an account, or logging in with the invited
address's), open sign-up when it is on, logging in, a forgotten password, and one's own
account."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from common import rates
from common.client_address import client_ip

from . import access
from .forms import AccountForm, NewAccountForm, SignupForm
from .models import Invitation, InvitationForSomeoneElse, InvitationInvalid

# Joining logs the new person in without a password check of its own: name the backend.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TEMPLATE = "workspaces/invitation.html"


@login_not_required
def invitation(request, token):
    """An invitation link: who invites whom to what, and the way in. A visitor makes an
    account with the invited address, or logs in with the account that has it; someone logged
    in with that address accepts; anyone else is told whom it is for."""
    try:
        found = Invitation.objects.from_token(token)
        if request.user.is_authenticated:
            return _accept_page(request, found)
        found.check_open()
    except InvitationInvalid as exc:
        return _problem(request, exc)
    try:
        if (account := _account_of(found)) is not None:
            return _log_in_and_join(request, found, account)
        return _sign_up_and_join(request, found)
    except InvitationInvalid as exc:  # withdrawn or used meanwhile
        return _problem(request, exc)


def _problem(request, exc: InvitationInvalid):
    someone_else = isinstance(exc, InvitationForSomeoneElse)
    context = {"problem": exc.message, "someone_else": someone_else, "here": request.path}
    return render(request, TEMPLATE, context, status=403 if someone_else else 400)


def _account_of(found: Invitation):
    """The (active) account that has the invited address, if one does."""
    return (
        get_user_model()
        .objects.filter(email__iexact=found.email, is_active=True)
        .order_by("pk")
        .first()
    )


def _accept_page(request, found: Invitation):
    found.check_open_to(request.user)
    if request.method == "POST":
        return _joined(request, found, found.accept(request.user))
    context = {
        "invitation": found,
        "membership": access.membership_of(request.user, found.workspace),
    }
    return render(request, TEMPLATE, context)


def _sign_up_and_join(request, found: Invitation):
    form = NewAccountForm(request.POST or None, email=found.email)
    if request.method == "POST" and form.is_valid():
        # The account exists only if the invitation is still good when it is taken.
        with transaction.atomic():
            user = form.save()
            membership = found.accept(user)
        login(request, user, backend=MODEL_BACKEND)
        return _joined(request, found, membership, welcome=True)
    context = {"invitation": found, "signup_form": form}
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


def _log_in_and_join(request, found: Invitation, account):
    # authenticate() through the form: failed attempts count for login protection (axes).
    form = AuthenticationForm(
        request, data=request.POST or None, initial={"username": account.get_username()}
    )
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if found.is_for(user):
            membership = found.accept(user)
            login(request, user)
            return _joined(request, found, membership)
        form.add_error(
            None,
            f"That account's address is not {found.email}. Log in with the account that has "
            "it to accept this invitation.",
        )
    context = {"invitation": found, "login_form": form}
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


def _joined(request, found: Invitation, membership, welcome=False):
    role = membership.get_role_display().lower()
    greeting = f"Welcome, {request.user.get_short_name() or request.user}! " if welcome else ""
    messages.success(request, f"{greeting}You are in “{found.workspace.name}” as {role}.")
    return redirect("videos:videos", found.workspace.slug)


@login_not_required
def signup(request):
    """Anyone makes an account, when MARKETOS_OPEN_SIGNUP is on (else there is no such page)."""
    if not settings.OPEN_SIGNUP:
        raise Http404("Accounts are made by invitation.")
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, f"Welcome, {user.get_short_name()}! Your account is ready.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    status = 400 if form.errors else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


def account(request):
    """One's own account: the name the team sees (and the way to change the password)."""
    user = request.user
    form = AccountForm(request.POST or None, initial={"name": user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"].strip()
        # Only the name columns are written: a password changed meanwhile elsewhere stays.
        get_user_model().objects.filter(pk=user.pk).update(first_name=name, last_name="")
        messages.success(request, f"Your name is now “{name}”.")
        return redirect("account")
    status = 400 if form.errors else 200
    return render(request, "registration/account.html", {"form": form}, status=status)


class LogInView(LoginView):
    """Django's login, which says how people get an account here (and, in the demo, where its
    password is printed)."""

    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": "demo"} if settings.DEMO else {}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if settings.DEMO:  # the user name is filled in: on to the password
            form.fields["username"].widget.attrs.pop("autofocus", None)
            form.fields["password"].widget.attrs["autofocus"] = True
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return context | {"demo": settings.DEMO, "open_signup": settings.OPEN_SIGNUP}


@login_not_required
class ForgottenPasswordView(PasswordResetView):
    """Django's password reset, with a budget (MARKETOS_PASSWORD_RESET_RATE) per e-mail address
    and per client address: nobody can flood an inbox with reset e-mails, or try address after
    address from one place. Whether an account has the address is never said, over budget or
    not."""

    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_RATE
        address = form.cleaned_data["email"].strip().lower()
        wait = rates.over(
            (
                ("reset-email", rates.hashed(address), limit),
                ("reset-client", rates.hashed(client_ip(self.request)), limit),
            )
        )
        if not wait:
            return super().form_valid(form)
        context = {"wait_minutes": math.ceil(wait / 60)}
        response = render(self.request, "registration/password_reset_throttled.html", context)
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response
