from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The offline demo (`make demo`): its settings file, its sample work and its banner. The
    top floor: it uses every room and no room uses it."""

    name = "demo"
    verbose_name = "Demo"
