"""Encryption at rest and vault key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from keys import vault
from tests.settings import TEST_VAULT_KEY
from videos.models import ProviderKey
from workspaces.access import personal_workspace

SECRET = "sk-or-v1-rotate-me-0123456789abcdef0123456789"


def test_encrypt_decrypt_roundtrip_and_fresh_ciphertexts():
    a, b = vault.encrypt(SECRET), vault.encrypt(SECRET)
    assert a != b  # Fernet tokens carry a random IV
    assert SECRET not in a
    assert vault.decrypt(a) == SECRET


def test_decrypt_failure_names_no_secret(settings):
    token = vault.encrypt(SECRET)
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(vault.VaultError) as info:
        vault.decrypt(token)
    assert SECRET not in str(info.value) and token not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("sk-or-v1-0123456789abcdef0123456789a1b2", "sk-or-…a1b2"),
        ("AIzaSyA0123456789abcdefghijklmnopqwxyz", "AIza…wxyz"),
        ("custom-proxy-token-0000001234", "…1234"),
    ],
)
def test_mask(secret, masked):
    assert vault.mask(secret) == masked


def _keys(user, n=3):
    keys = []
    for i in range(n):
        key = ProviderKey(
            workspace=personal_workspace(user), owner=user, provider="openrouter", label=f"k{i}"
        )
        key.set_secret(f"{SECRET}-{i}")
        key.save()
        keys.append(key)
    return keys


@pytest.mark.django_db
def test_rotation_reencrypts_under_the_newest_key(settings, user):
    keys = _keys(user)
    old_tokens = {k.pk: k.secret_encrypted for k in keys}
    new_key = Fernet.generate_key().decode()
    settings.VAULT_KEYS = [new_key, TEST_VAULT_KEY]  # newest first; old still decrypts
    for key in keys:
        assert key.reveal().startswith(SECRET)
        assert not vault.is_current(key.secret_encrypted)

    out = io.StringIO()
    call_command("rotate_vault_keys", stdout=out)
    assert "Re-encrypted 3 key(s); 0 already used the newest vault key." in out.getvalue()

    settings.VAULT_KEYS = [new_key]  # the old vault key can now be retired
    for key in ProviderKey.objects.all():
        assert key.secret_encrypted != old_tokens[key.pk]
        assert Fernet(new_key.encode()).decrypt(key.secret_encrypted.encode()).decode() == (
            f"{SECRET}-{key.label[1:]}"
        )
        assert key.reveal() == f"{SECRET}-{key.label[1:]}"

    out = io.StringIO()
    call_command("rotate_vault_keys", stdout=out)
    assert "Re-encrypted 0 key(s); 3 already used the newest vault key." in out.getvalue()


@pytest.mark.django_db
def test_rotation_reports_keys_it_cannot_decrypt_and_drops_nothing(settings, user):
    keys = _keys(user, 2)
    lost = keys[0]
    lost_token = Fernet(Fernet.generate_key()).encrypt(b"sk-or-v1-from-another-vault")
    ProviderKey.objects.filter(pk=lost.pk).update(secret_encrypted=lost_token.decode())
    settings.VAULT_KEYS = [Fernet.generate_key().decode(), TEST_VAULT_KEY]

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 key\\(s\\) could not be decrypted"):
        call_command("rotate_vault_keys", stdout=out, stderr=err)
    assert f"Cannot decrypt key #{lost.pk} “k0” (openrouter, {lost.masked}) of user alice" in (
        err.getvalue()
    )
    assert "Re-encrypted 1 key(s)" in out.getvalue()
    assert ProviderKey.objects.count() == 2
    # A key whose adder has left is reported too.
    ProviderKey.objects.filter(pk=lost.pk).update(owner=None)
    with pytest.raises(CommandError):
        call_command("rotate_vault_keys", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "of user someone who has left" in err.getvalue()
    assert ProviderKey.objects.get(pk=lost.pk).secret_encrypted == lost_token.decode()
    assert ProviderKey.objects.get(pk=keys[1].pk).reveal() == f"{SECRET}-1"


@pytest.mark.django_db
def test_verifying_an_undecryptable_key_says_so(settings, user):
    key = _keys(user, 1)[0]
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    works, message = key.verify()
    assert works is False
    assert "cannot be decrypted" in message
    assert ProviderKey.objects.filter(pk=key.pk).exists()
