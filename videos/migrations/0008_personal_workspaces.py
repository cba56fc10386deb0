"""Every user gets a personal workspace, owned by them, and their keys and jobs move into it.

The slug rule is the one ``workspaces.access.personal_workspace`` follows (the username,
slugified, numbered when taken), written out here so that this migration keeps working
whatever that code becomes. Going back needs nothing: the columns are dropped by 0007.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations
from django.utils.text import slugify


def _unique_slug(Workspace, name):
    base = slugify(name)[:50] or "workspace"
    slug, number = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def give_every_user_a_workspace(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Workspace = apps.get_model("workspaces", "Workspace")
    Membership = apps.get_model("workspaces", "Membership")
    ProviderKey = apps.get_model("videos", "ProviderKey")
    VideoJob = apps.get_model("videos", "VideoJob")
    username_field = get_user_model().USERNAME_FIELD  # historical models do not carry it
    for user in User.objects.order_by("pk").iterator():
        workspace = Workspace.objects.filter(
            personal=True, memberships__user=user, memberships__role="owner"
        ).first()
        if workspace is None:
            name = getattr(user, username_field)
            workspace = Workspace.objects.create(
                name=name, slug=_unique_slug(Workspace, name), personal=True
            )
            Membership.objects.create(workspace=workspace, user=user, role="owner")
        ProviderKey.objects.filter(owner=user, workspace=None).update(workspace=workspace)
        VideoJob.objects.filter(owner=user, workspace=None).update(workspace=workspace)


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0007_workspace_fields"),
        ("workspaces", "0001_workspaces_and_memberships"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(give_every_user_a_workspace, migrations.RunPython.noop),
    ]
