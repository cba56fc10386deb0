"""The review forms: a comment (with the moment it is about), a reply, a verdict, and the
prompt of a revision made from feedback."""

from django import forms

from providers.base import DEFAULT_MAX_PROMPT_CHARS
from videos.forms import ConfirmForm

from .models import Comment, Verdict

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
            attrs={"placeholder": "0:00", "autocomplete": "off", "data-comment-at": ""}
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


class ReviseForm(ConfirmForm):
    prompt = forms.CharField(
        label="Prompt sent to the provider",
        max_length=DEFAULT_MAX_PROMPT_CHARS,
        error_messages={"required": "The prompt cannot be empty."},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Exactly what will be sent. Change it as you like before starting.",
    )
