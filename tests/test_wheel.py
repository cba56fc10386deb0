"""The package runs: a wheel built from the checkout, installed in a fresh virtual environment
outside it, passes Django's deployment checks, migrates an empty database, collects its static
files and serves the login page with its style sheet, importing nothing from the checkout.

The fresh environment gets the wheel only; its dependencies are the ones already installed for
the tests, reached through a path file (they are not what is being tested, and installing them
again would take minutes and the network)."""

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# What the checkout holds besides the product's sources.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "var", "test-artifacts", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".ruff_cache",
)  # fmt: skip
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "marketos.settings",
    "MARKETOS_SECRET_KEY": "wheel-test-" + "k3y-0f-fifty-characters-or-more-for-django-" * 2,
    "MARKETOS_VAULT_KEYS": Fernet.generate_key().decode(),
    "MARKETOS_ALLOWED_HOSTS": "video.example.com",
    "MARKETOS_PUBLIC_URL": "https://video.example.com",
    "MARKETOS_HSTS_INCLUDE_SUBDOMAINS": "1",
    "MARKETOS_HSTS_PRELOAD": "1",
}
# Renders the login page and fetches its style sheet through the installed app (WhiteNoise
# serves static files in production), and names any module loaded from outside the venv.
PAGE_CHECK = textwrap.dedent(
    """
    import re, sys
    from pathlib import Path
    import django
    django.setup()
    from django.test import Client
    import marketos
    client = Client(HTTP_HOST="video.example.com")
    page = client.get("/login/", secure=True)
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    assert "<form" in html and 'name="password"' in html, html[:500]
    sheet = re.search(r'href="(/static/css/app\\.[0-9a-f]+\\.css)"', html)
    assert sheet, "the page links no hashed style sheet"
    css = client.get(sheet[1], secure=True)
    assert css.status_code == 200, css.status_code
    assert b"".join(css.streaming_content).strip(), "empty style sheet"
    print("package", Path(marketos.__file__).parent)
    for module in list(sys.modules.values()):
        print("module", getattr(module, "__file__", None) or "")
    """
)


def local_apps() -> list[str]:
    """The product's own apps (those with a folder in the checkout)."""
    return [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()]


def run(*command, cwd, env=None):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built with pip and the pinned setuptools from a copy of the checkout (the
    build writes files beside the sources), offline."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "src", ignore=NOT_SOURCES)
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--quiet", "--wheel-dir", str(work / "dist"), str(work / "src"),
        cwd=work,
    )  # fmt: skip
    (built,) = (work / "dist").glob("marketos_video-*.whl")
    return built


def test_the_wheel_carries_every_app_its_migrations_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for app in local_apps():
        package = app.replace(".", "/")
        assert f"{package}/__init__.py" in names, f"{app} is not in the wheel"
        migrations = sorted((ROOT / package / "migrations").glob("[0-9]*.py"))
        for migration in migrations:
            assert f"{package}/migrations/{migration.name}" in names
    assert {"review", "brand", "inbox", "campaigns", "spend"} <= {
        app.split(".")[0] for app in local_apps()
    }
    for folder in ("templates", "static"):
        files = [
            p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ]
        assert files
        for path in files:
            assert f"marketos/{path.relative_to(ROOT).as_posix()}" in names, path
    tops = {name.split("/")[0] for name in names}
    assert not tops & {"sandbox", "tests", "bench", "templates", "static"}, tops


def test_the_installed_wheel_checks_migrates_and_serves_its_pages_outside_the_checkout(
    wheel, tmp_path
):
    env_dir, here = tmp_path / "env", tmp_path / "elsewhere"
    here.mkdir()
    # A fresh environment with the interpreter running the tests, and nothing else in it.
    run(sys.executable, "-m", "venv", "--without-pip", str(env_dir), cwd=here)
    python = env_dir / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=here)
    # The dependencies already installed for the tests: a plain path, so the path files there
    # (among them the checkout's own editable install) are not read.
    Path(site.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
        "--no-index", "--quiet", str(wheel),
        cwd=here,
    )  # fmt: skip
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'marketos.sqlite3'}",
        "MARKETOS_STATIC_ROOT": str(tmp_path / "static"),
        "MARKETOS_MEDIA_ROOT": str(tmp_path / "media"),
        **PRODUCTION,
    }
    # django-admin, as the installed environment runs it.
    django_admin = (python, "-m", "django")
    checked = run(*django_admin, "check", "--deploy", "--fail-level", "WARNING", cwd=here, env=env)
    assert "no issues" in checked, checked
    migrated = run(*django_admin, "migrate", "--no-input", cwd=here, env=env)
    for app in ("review", "brand", "inbox", "campaigns", "spend", "videos", "workspaces"):
        if (ROOT / app / "migrations").is_dir():
            assert f"Applying {app}.0001" in migrated, (app, migrated)
    run(*django_admin, "collectstatic", "--no-input", "-v0", cwd=here, env=env)
    assert list((tmp_path / "static" / "css").glob("app.*.css"))
    served = run(python, "-c", PAGE_CHECK, cwd=here, env=env)
    package = Path(served.split("package ", 1)[1].split("\n", 1)[0])
    assert package.is_relative_to(env_dir), package
    # The dependencies may live in the checkout's .venv; nothing else may come from there.
    dependencies = Path(sysconfig.get_paths()["purelib"])
    loaded = [Path(line[7:]) for line in served.splitlines() if line.startswith("module /")]
    from_checkout = [
        path
        for path in loaded
        if path.is_relative_to(ROOT) and not path.is_relative_to(dependencies)
    ]
    assert from_checkout == [], from_checkout
