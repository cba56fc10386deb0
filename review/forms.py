"""The review forms: a comment (with the moment it is about), a reply, a verdict, the prompt
of a revision made from feedback, a new share link, and a guest's name at the gate."""

from django import forms

from providers.base import DEFAULT_MAX_PROMPT_CHARS
from videos.forms import ConfirmForm

from .models import Comment, ShareLink, Verdict

WRITE_SOMETHING = {"required": "Write something first."}


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=Comment.MAX_LENGTH,
        error_messages=WRITE_SOMETHING,
        widget=forms.Textarea(attrs={"rows": 3, "data-comment-body": ""}),
    )
    # Checked against the clip by Comment.add (seconds or m:ss, within the clip).
    at = forms.CharField(
        label="At (m:ss)",
        required=False,
        max_length=12,
        help_text="Empty: about the whole clip.",
        widget=forms.TextInput(
            attrs={"placeholder": "Whole clip", "autocomplete": "off", "data-comment-at": ""}
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply",
        max_length=Comment.MAX_LENGTH,
        error_messages=WRITE_SOMETHING,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def for_comment(cls, comment, data=None):
        """A reply form whose field ids are the comment's own (one form per comment)."""
        return cls(data, auto_id=f"id_reply_{comment.public_id.hex}_%s")


class VerdictForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (Verdict.State.APPROVED, "Approve"),
            (Verdict.State.CHANGES_REQUESTED, "Request changes"),
        ],
        error_messages={"required": "Choose approve or request changes."},
    )
    confirm = forms.BooleanField(required=False)


class AnsweredComments(forms.ModelMultipleChoiceField):
    def label_from_instance(self, comment):
        return f"{comment.who}, {comment.quoted}"


class ReviseForm(ConfirmForm):
    """The next version made from feedback: the open comments it answers (resolved by it) and
    exactly what is sent."""

    comments = AnsweredComments(
        queryset=Comment.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        label="Comments this version answers",
        help_text="Each is resolved by the new version; the client sees it answered there.",
        error_messages={"required": "Tick the comments this version answers."},
    )
    prompt = forms.CharField(
        label="Prompt sent to the provider",
        max_length=DEFAULT_MAX_PROMPT_CHARS,
        error_messages={"required": "The prompt cannot be empty."},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Exactly what will be sent. Change it as you like before starting.",
    )

    def __init__(self, *args, comments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].queryset = comments


class ShareLinkForm(forms.Form):
    """A new share link: what it grants, an optional password and how long it works."""

    label = forms.CharField(
        max_length=100,
        required=False,
        help_text="For you and your team, e.g. “Northwind marketing team”; guests do not see it.",
    )
    can_view = forms.BooleanField(
        label="Guests may view", required=False, disabled=True, initial=True
    )
    can_comment = forms.BooleanField(
        label=ShareLink._meta.get_field("can_comment").verbose_name.capitalize(),
        required=False,
        initial=True,
    )
    can_approve = forms.BooleanField(
        label=ShareLink._meta.get_field("can_approve").verbose_name.capitalize(), required=False
    )
    can_download = forms.BooleanField(
        label=ShareLink._meta.get_field("can_download").verbose_name.capitalize(), required=False
    )
    password = forms.CharField(
        required=False,
        strip=False,
        min_length=ShareLink.PASSWORD_MIN_LENGTH,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            f"Optional; at least {ShareLink.PASSWORD_MIN_LENGTH} characters. Guests must type "
            "it as well: send it separately from the link."
        ),
        error_messages={
            "min_length": (
                "Make the password at least %(limit_value)d characters long (this one has "
                "%(show_value)d), so that it cannot be guessed. Or leave it empty."
            )
        },
    )
    expires_in_days = forms.IntegerField(
        label="Works for (days)",
        required=False,
        initial=30,
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": "A link works for 1 to 365 days (or tick “Never expires”).",
            "max_value": "A link works for 1 to 365 days (or tick “Never expires”).",
            "invalid": "Give a whole number of days, from 1 to 365.",
        },
    )
    never_expires = forms.BooleanField(
        label="Never expires", required=False, help_text="Until you revoke it."
    )

    def clean(self):
        data = super().clean()
        if data.get("never_expires"):
            data["expires_in_days"] = None
        elif data.get("expires_in_days") is None and "expires_in_days" not in self.errors:
            self.add_error(
                "expires_in_days",
                "Say how many days the link works (1 to 365), or tick “Never expires”.",
            )
        return data

    def link_options(self) -> dict:
        """The keyword arguments of ``ShareLink.create`` this form stands for."""
        fields = ("label", "can_comment", "can_approve", "can_download", "password")
        return {name: self.cleaned_data[name] for name in fields} | {
            "expires_in_days": self.cleaned_data["expires_in_days"]
        }


class GuestForm(forms.Form):
    """Who the guest is (and the link's password, when it has one)."""

    name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="The team sees who said what.",
        error_messages={"required": "Tell us your name first: the team sees who said what."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Whoever sent you the link has it.",
        error_messages={"required": "This link needs its password."},
    )

    def __init__(self, *args, link: ShareLink, **kwargs):
        super().__init__(*args, **kwargs)
        if not link.has_password:
            del self.fields["password"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Tell us your name first: the team sees who said what.")
        return name
