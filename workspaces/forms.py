from django import forms

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
