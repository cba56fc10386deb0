"""Removing stored files once the deletion that frees them is committed."""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

log = logging.getLogger(__name__)


def remove_from_storage(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file that cannot be removed now must not undo the deletion
            log.exception("Could not remove %s from storage", name)


def remove_when_committed(names) -> None:
    """Remove ``names`` from storage once the current transaction commits (at once outside
    one): a deletion rolled back keeps its files."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: remove_from_storage(names))
