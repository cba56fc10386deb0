import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from videos.models import ProviderKey
from workspaces.access import personal_workspace

# Keys the offline sandbox accepts (any key with these prefixes works there, nowhere else).
SANDBOX_KEYS = {
    "openrouter": ("Sandbox OpenRouter", "sk-or-v1-sandbox-demo-0000000000000000000000"),
    "gemini": ("Sandbox Gemini", "AIzaSandbox-demo-00000000000000000000000"),
}


class Command(BaseCommand):
    help = "Create (or refresh) the demo user for `make demo`. Only runs with MARKETOS_DEMO=1."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")

    def handle(self, *args, username, **options):
        # Never a superuser with a known password on a real deployment by mistake.
        if os.environ.get("MARKETOS_DEMO") != "1":
            raise CommandError("seed_demo only runs in the demo (MARKETOS_DEMO=1, make demo).")
        password = os.environ.get("MARKETOS_DEMO_PASSWORD", "")
        if not password:
            raise CommandError("MARKETOS_DEMO_PASSWORD is not set (make demo writes it).")
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        workspace = personal_workspace(user)
        for provider, (label, secret) in SANDBOX_KEYS.items():
            if not workspace.provider_keys.filter(provider=provider, label=label).exists():
                key = ProviderKey(workspace=workspace, owner=user, provider=provider, label=label)
                key.set_secret(secret)
                key.save()
        verb = "Created" if created else "Refreshed"
        self.stdout.write(
            f"{verb} the demo user.\n\n"
            f"  Open   http://127.0.0.1:8000/\n"
            f"  Log in as  {username}  with password  {password}\n"
        )
