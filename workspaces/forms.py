import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm, UserCreationForm
from django.template import loader
from django.urls import reverse

from . import mail
from .models import Invitation, Membership


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Workspace name",
        help_text="Your agency's or team's name; you will be its owner.",
        error_messages={"required": "Give the workspace a name."},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(
        choices=Invitation._meta.get_field("role").choices,
        initial=Membership.Role.MEMBER,
        help_text="Admins manage keys and members; members generate; viewers only review.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ClientForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Client name",
        error_messages={"required": "Give the client a name."},
    )


class RenameForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", error_messages={"required": "Give it a name."}
    )


class ProjectForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose one of this workspace's clients."},
    )
    name = forms.CharField(
        max_length=100,
        label="Project name",
        help_text="A campaign, e.g. “Spring launch”.",
        error_messages={"required": "Give the project a name."},
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = workspace.clients.all()


# --- accounts ---------------------------------------------------------------------------------

RULES_FOR_NEW_PASSWORDS = (
    "At least 8 characters; not a common password, not only digits, and not like your name, "
    "username or address."
)


class NewAccountForm(UserCreationForm):
    """An account for someone joining: their name, the username they log in with and a
    password (checked by the password validators). The address is given, not asked: an
    invitation's (``email``), else the open sign-up's own field."""

    name = forms.CharField(
        max_length=150,
        label="Your name",
        help_text="How your team sees you, e.g. Carol Jones.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Tell us your name."},
    )
    field_order = ["name", "email", "username", "password1", "password2"]
    error_messages = {"password_mismatch": "The two passwords differ: type the same one twice."}

    class Meta(UserCreationForm.Meta):
        fields = ("username",)

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The address is known before validation, so the password validators compare the
        # password with it too.
        self.instance.email = email
        if email and not self.is_bound:
            self.initial.setdefault("username", _free_username(email))
        self.fields[
            "username"
        ].help_text = "You log in with it: letters, digits and @ . + - _ only."
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["password1"].help_text = RULES_FOR_NEW_PASSWORDS
        self.fields["password2"].label = "Password again"
        self.fields["password2"].help_text = ""

    def validate_password_for_user(self, user, **kwargs):
        # A refused password is said under the password, not under its repetition.
        super().validate_password_for_user(user, "password1")

    def clean(self):
        email = self.instance.email or self.cleaned_data.get("email")
        if email and get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                f"There is already an account with the address {email}: log in with it "
                "instead (or reset its password if you forgot it)."
            )
        return super().clean()

    def save(self, commit=True):
        # The whole name in one field: people's names do not all split into first and last.
        self.instance.first_name = self.cleaned_data["name"].strip()
        self.instance.last_name = ""
        return super().save(commit=commit)


def _free_username(email: str) -> str:
    """A username made from the address (its part before the @), if nobody has it yet."""
    name = re.sub(r"[^\w.@+-]", "", email.partition("@")[0])[:150]
    taken = get_user_model().objects.filter(username__iexact=name).exists()
    return "" if taken else name


class SignupForm(NewAccountForm):
    """Open sign-up (MARKETOS_OPEN_SIGNUP): the person gives their address too."""

    class Meta(NewAccountForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].label = "E-mail address"
        self.fields["email"].help_text = "Where password resets and notifications go."
        self.fields["email"].error_messages["required"] = "Give your e-mail address."

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class AccountForm(forms.Form):
    """What a person may change about their account themselves: their name."""

    name = forms.CharField(
        max_length=150,
        label="Your name",
        help_text="How your team sees you in members lists and e-mails.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Tell us your name."},
    )


class PasswordResetByEmailForm(PasswordResetForm):
    """Django's password reset, e-mailed as every e-mail of the app is (workspaces/mail.py):
    plain text, its link whole and on MARKETOS_PUBLIC_URL."""

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def save(self, *args, request=None, **kwargs):
        self.request = request
        return super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        path = reverse("password_reset_confirm", args=[context["uid"], context["token"]])
        context = context | {
            "link": mail.link(path, getattr(self, "request", None)),
            "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        subject = loader.render_to_string(subject_template_name, context)
        body = loader.render_to_string(email_template_name, context)
        mail.send([context["email"]], subject, body)


class NewPasswordForm(SetPasswordForm):
    """Django's form for a new password (from a reset link), saying its rules in plain words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = RULES_FOR_NEW_PASSWORDS
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""
