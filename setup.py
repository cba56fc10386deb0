"""Which files the wheel carries. Everything else about the package is in pyproject.toml.

Every package of the checkout is an app of the product (found as such, migrations included),
except the test sandbox, the tests and the benchmarks. templates/ and static/ stay at the top
of the checkout, where they are edited, and the wheel carries them as ``marketos/templates``
and ``marketos/static`` (package data mapped from those folders), where settings look first.
pyproject.toml alone cannot add packages mapped from other folders to those it finds, hence
this file.
"""

from pathlib import Path

from setuptools import find_packages, setup

# Not the product: the offline provider played in tests and the demo, the tests, the benchmarks.
NOT_SHIPPED = ["sandbox", "tests", "bench"]
SHIPPED = {"marketos.templates": "templates", "marketos.static": "static"}


def data_packages() -> dict[str, str]:
    """Each shipped folder and its subfolders as a package (setuptools lists every folder that
    holds package data as a package of its own)."""
    found = {}
    for package, folder in SHIPPED.items():
        for path in [Path(folder), *sorted(Path(folder).rglob("*"))]:
            if path.is_dir() and path.name != "__pycache__":
                found[".".join([package, *path.relative_to(folder).parts])] = path.as_posix()
    return found


DATA = data_packages()

setup(
    packages=[
        *find_packages(exclude=[p for name in NOT_SHIPPED for p in (name, f"{name}.*")]),
        *DATA,
    ],
    package_dir=DATA,
    package_data={package: ["*"] for package in DATA},
)
