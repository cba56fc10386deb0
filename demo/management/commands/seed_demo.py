import os
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from keys.models import ProviderKey

# Keys the offline sandbox accepts (any key with these prefixes works there, nowhere else).
SANDBOX_KEYS = {
    "openrouter": ("Sandbox OpenRouter", "sk-or-v1-sandbox-demo-0000000000000000000000"),
    "gemini": ("Sandbox Gemini", "AIzaSandbox-demo-00000000000000000000000"),
}
# The README's recommended key and model, preselected on the generate form; and the model of
# the samples made of one clip.
RECOMMENDED_PROVIDER = "openrouter"
MULTI_CLIP_MODEL = "sandbox/multi-clip"
SINGLE_CLIP_MODEL = "google/veo-3.1-fast"


def sandbox_models():
    """The sample models as the sandbox lists, prices and renders them (imported here: the
    sandbox ships with the checkout the demo runs from, never with the app)."""
    from demo.samples import Models
    from sandbox.catalog import OPENROUTER_MODELS
    from sandbox.clips import ClipSpec, render, size_for_aspect
    from sandbox.pricing import PricedJob, job_cost

    def name(model: str) -> str:
        return OPENROUTER_MODELS[model].api["name"]

    def cost(model: str, chosen: dict, outputs: int) -> Decimal:
        priced = PricedJob(
            seconds=chosen["duration"],
            audio=chosen["generate_audio"],
            resolution=chosen["resolution"],
            aspect_ratio=chosen["aspect_ratio"],
            outputs=outputs,
        )
        return Decimal(str(job_cost(OPENROUTER_MODELS[model], priced)))

    def render_clip(prompt: str, chosen: dict, index: int, total: int, path) -> None:
        width, height = size_for_aspect(chosen["aspect_ratio"])
        spec = ClipSpec(
            prompt, width, height, chosen["duration"], index, total, chosen["generate_audio"]
        )
        render(spec, path)

    return Models(MULTI_CLIP_MODEL, SINGLE_CLIP_MODEL, name, cost, render_clip)


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo user and the demo's sample work for `make demo`. "
        "Only runs with MARKETOS_DEMO=1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")

    def handle(self, *args, username, **options):
        from demo.env import client_link
        from demo.samples import seed

        # Never a superuser with a known password on a real deployment by mistake.
        if os.environ.get("MARKETOS_DEMO") != "1":
            raise CommandError("seed_demo only runs in the demo (MARKETOS_DEMO=1, make demo).")
        password = os.environ.get("MARKETOS_DEMO_PASSWORD", "")
        if not password:
            raise CommandError("MARKETOS_DEMO_PASSWORD is not set (make demo writes it).")
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save()
        try:
            models = sandbox_models()
        except ImportError:
            raise CommandError(
                "seed_demo renders the sample clips with the sandbox, which comes with a "
                "checkout of MarketOS Video (make demo), not with the installed app."
            ) from None
        made = seed(user, models, self.sandbox_keys(user))
        token, link_password = client_link(settings.SECRET_KEY)
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} the demo user.")
        for what in made.created:
            self.stdout.write(f"  Made {what}.")
        base = settings.PUBLIC_URL or "http://127.0.0.1:8000"
        self.stdout.write(
            f"\n  Open   {base}/\n"
            f"  Log in as  {username}  with password  {password}\n"
            f"  The client's view of “{made.shared.short_title}”:\n"
            f"         {base}/s/{token}/  with password  {link_password}\n"
        )

    @staticmethod
    def sandbox_keys(user):
        """The workspace's sandbox keys, one per provider (made once); the recommended one is
        the one returned."""

        def key_for(workspace) -> ProviderKey:
            for provider, (label, secret) in SANDBOX_KEYS.items():
                if not workspace.provider_keys.filter(provider=provider, label=label).exists():
                    key = ProviderKey(
                        workspace=workspace, owner=user, provider=provider, label=label
                    )
                    key.set_secret(secret)
                    key.save()
            label = SANDBOX_KEYS[RECOMMENDED_PROVIDER][0]
            return workspace.provider_keys.get(provider=RECOMMENDED_PROVIDER, label=label)

        return key_for
