import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from integrations import crypto
from integrations.models import Integration

from .factories import AWS_CREDENTIALS, AWS_SECRET_ACCESS_KEY, IntegrationFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_encrypt_decrypt_round_trip_and_no_plaintext():
    # when
    token = crypto.encrypt_json(AWS_CREDENTIALS)
    # then
    assert AWS_SECRET_ACCESS_KEY not in token
    assert crypto.decrypt_json(token) == AWS_CREDENTIALS


def test_empty_token_means_no_credentials():
    assert crypto.decrypt_json("") == {}


@override_settings(FIELD_ENCRYPTION_KEYS=[], SECRET_KEY="one-secret-key-for-this-test")
def test_without_configured_key_one_is_derived_from_secret_key_and_stable():
    # given no FIELD_ENCRYPTION_KEY (the embedded default)
    token = crypto.encrypt_json({"a": "b"})
    # then it is a valid Fernet key derived from SECRET_KEY, the same every time
    assert crypto.configured_keys() == (crypto.derive_key("one-secret-key-for-this-test"),)
    assert crypto.derive_key("one-secret-key-for-this-test") == crypto.derive_key("one-secret-key-for-this-test")
    Fernet(crypto.derive_key("one-secret-key-for-this-test"))
    assert crypto.decrypt_json(token) == {"a": "b"}
    # and a different SECRET_KEY derives a different key
    assert crypto.derive_key("another") != crypto.derive_key("one-secret-key-for-this-test")


def test_wrong_key_is_a_clear_error_without_plaintext():
    # given credentials encrypted with one key
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        token = crypto.encrypt_json(AWS_CREDENTIALS)
    # when only another key is configured
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(crypto.CredentialsDecryptionError) as exc:
        crypto.decrypt_json(token)
    # then the error says what to do and leaks nothing
    assert "FIELD_ENCRYPTION_KEY" in str(exc.value)
    assert AWS_SECRET_ACCESS_KEY not in str(exc.value)
    assert exc.value.__cause__ is None


def test_damaged_token_is_a_clear_error():
    with pytest.raises(crypto.CredentialsDecryptionError):
        crypto.decrypt_json("not-a-fernet-token")


@override_settings(FIELD_ENCRYPTION_KEYS=["this-is-not-a-fernet-key"])
def test_malformed_key_names_the_setting_not_the_key():
    with pytest.raises(ImproperlyConfigured) as exc:
        crypto.encrypt_json({"a": "b"})
    assert "FIELD_ENCRYPTION_KEY entry #1" in str(exc.value)
    assert "this-is-not-a-fernet-key" not in str(exc.value)


def test_only_objects_are_encrypted():
    with pytest.raises(TypeError):
        crypto.encrypt_json(["not", "an", "object"])


@pytest.mark.django_db
def test_rotate_command_re_encrypts_with_the_first_key():
    # given integrations encrypted with the old key, and one without credentials
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        first = IntegrationFactory()
        second = IntegrationFactory()
    empty = IntegrationFactory(credentials_encrypted="")
    # when the new key is put first, the old one kept after it, and the command runs
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        out = io.StringIO()
        call_command("rotate_integration_keys", stdout=out)
    assert "2 integration(s)" in out.getvalue()
    # then the old key can be dropped: the new one alone decrypts everything
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        for integration in (first, second):
            integration.refresh_from_db()
            assert crypto.decrypt_json(integration.credentials_encrypted) == AWS_CREDENTIALS
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(crypto.CredentialsDecryptionError):
        crypto.decrypt_json(first.credentials_encrypted)
    empty.refresh_from_db()
    assert empty.credentials_encrypted == ""


@pytest.mark.django_db
def test_rotate_command_changes_nothing_when_a_row_cannot_be_decrypted():
    # given one integration under a key that is no longer configured
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        readable = IntegrationFactory()
    lost_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[lost_key]):
        lost = IntegrationFactory()
    before = dict(Integration.objects.values_list("pk", "credentials_encrypted"))
    # when
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]), pytest.raises(CommandError) as exc:
        call_command("rotate_integration_keys")
    # then the command names the unreadable integration and rotates nothing
    assert str(lost.pk) in str(exc.value)
    assert dict(Integration.objects.values_list("pk", "credentials_encrypted")) == before
    assert readable.pk in before
