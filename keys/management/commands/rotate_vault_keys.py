from django.core.management.base import BaseCommand, CommandError

from keys import vault
from keys.models import ProviderKey


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored provider key under the newest vault key (the first in "
        "MARKETOS_VAULT_KEYS). Run it after putting a new key first; drop the old key afterwards."
    )

    def handle(self, *args, **options):
        rotated = current = 0
        unreadable: list[ProviderKey] = []
        for key in ProviderKey.objects.select_related("owner").order_by("pk").iterator():
            if vault.is_current(key.secret_encrypted):
                current += 1
                continue
            try:
                token = vault.reencrypt(key.secret_encrypted)
            except vault.VaultError:
                unreadable.append(key)
                continue
            # Compare-and-set: a secret replaced meanwhile is already under the newest key.
            rotated += ProviderKey.objects.filter(
                pk=key.pk, secret_encrypted=key.secret_encrypted
            ).update(secret_encrypted=token)
        self.stdout.write(
            f"Re-encrypted {rotated} key(s); {current} already used the newest vault key."
        )
        if unreadable:
            for key in unreadable:
                added_by = key.owner.get_username() if key.owner else "someone who has left"
                self.stderr.write(
                    f"Cannot decrypt key #{key.pk} “{key.label}” ({key.provider}, {key.masked}) "
                    f"of user {added_by}: none of MARKETOS_VAULT_KEYS opens it. "
                    "It was left untouched; restore the old vault key or have the owner replace it."
                )
            raise CommandError(f"{len(unreadable)} key(s) could not be decrypted (see above).")
