from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save


def give_new_user_a_workspace(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .access import personal_workspace

        personal_workspace(instance)


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Workspaces"

    def ready(self):
        from . import mail  # noqa: F401 (registers its deploy check)

        post_save.connect(
            give_new_user_a_workspace,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="workspaces.personal_workspace",
        )
