"""Writes of integrations: create, update, delete, test, key rotation, and connector building.

Credentials are validated per type, encrypted before they touch the database, and never
logged, audited or returned; anything shown to a user about a connection test goes
through :func:`_redact` first.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail

from complywise.exceptions import ApplicationError, FieldValidationError, TooManyRequestsError
from complywise.models import Tenant
from complywise.services import audit_record

from . import crypto, providers
from .choices import IntegrationStatus, IntegrationType
from .models import Integration
from .providers.host import policy as host_policy
from .redaction import redact
from .registry import Connector

logger = logging.getLogger(__name__)

# A CharField: its max_length is always set.
NAME_MAX_LENGTH = cast(int, Integration._meta.get_field("name").max_length)
DETAIL_MAX_LENGTH = 1000
DEMO_HOST_NAME = "This machine"


class IntegrationValidationError(FieldValidationError):
    """Field errors that may nest, e.g. ``{"config": {"regions": {"0": [...]}}}``."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__({})
        self.errors = errors


class IntegrationUnavailableError(ApplicationError):
    """An integration whose provider is not installed in this deployment."""

    status_code = 409
    default_detail = "This integration's type is not available in this deployment."


@dataclass(frozen=True)
class CleanInput:
    """Validated fields ready to store; ``credentials`` is None when they stay unchanged."""

    name: str
    config: dict[str, Any]
    credentials: dict[str, Any] | None


def _plain_errors(errors: Any) -> Any:
    """DRF's ErrorDetail/ReturnDict tree as plain dicts, lists and strings."""
    if isinstance(errors, dict):
        return {str(k): _plain_errors(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [_plain_errors(v) for v in errors]
    if isinstance(errors, ErrorDetail):
        return str(errors)
    return errors


def _validate_with(serializer_class: type | None, data: Any, *, label: str) -> tuple[dict[str, Any], Any]:
    if serializer_class is None:
        if data:
            return {}, [f"Integrations of this type take no {label}."]
        return {}, None
    if not isinstance(data, dict):
        return {}, ["Expected an object."]
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        return {}, _plain_errors(serializer.errors)
    return dict(serializer.validated_data), None


def integration_clean(
    *,
    tenant: Tenant,
    type: str,
    name: str | None,
    config: dict[str, Any] | None,
    credentials: dict[str, Any] | None,
    instance: Integration | None = None,
) -> CleanInput:
    """Validate an integration's fields for its type; raises one error carrying every field's problems.

    On update (``instance`` given) a missing name/config keeps the stored one, a given
    config is merged over the stored one (a null value clears a key), and credentials
    given replace the stored ones entirely.
    """
    errors: dict[str, Any] = {}

    clean_name = (name if name is not None else (instance.name if instance else "")).strip()
    if not clean_name:
        errors["name"] = ["This field may not be blank."]
    elif len(clean_name) > NAME_MAX_LENGTH:
        errors["name"] = [f"Ensure this field has no more than {NAME_MAX_LENGTH} characters."]
    else:
        duplicates = Integration.objects.for_tenant(tenant).filter(name=clean_name)
        if instance is not None:
            duplicates = duplicates.exclude(pk=instance.pk)
        if duplicates.exists():
            errors["name"] = [f"An integration named '{clean_name}' already exists."]

    try:
        spec = providers.provider_spec(type)
    except providers.UnknownIntegrationTypeError:
        available = ", ".join(providers.available_types()) or "none"
        errors["type"] = [f"Unknown integration type '{type}'. Available types: {available}."]
        raise IntegrationValidationError(errors) from None

    if instance is not None and config is None:
        # Unchanged config is not re-validated: a rename must not fail on a stricter schema.
        clean_config = instance.config
    else:
        # Unvalidated input: the API may hand over something other than an object, which the schema refuses.
        merged_config: Any
        if instance is None:
            merged_config = config if config is not None else {}
        elif isinstance(config, dict):
            # JSON merge patch: given keys override, a null removes the key (its default applies).
            merged_config = {k: v for k, v in {**instance.config, **config}.items() if v is not None}
        else:
            merged_config = config
        clean_config, config_errors = _validate_with(spec.config_serializer, merged_config, label="config")
        if config_errors:
            errors["config"] = config_errors

    clean_credentials: dict[str, Any] | None = None
    if credentials is not None or instance is None:
        clean_credentials, credential_errors = _validate_with(
            spec.credentials_serializer, credentials or {}, label="credentials"
        )
        if credential_errors:
            errors["credentials"] = credential_errors

    if errors:
        raise IntegrationValidationError(errors)
    return CleanInput(name=clean_name, config=clean_config, credentials=clean_credentials)


def _store_credentials(integration: Integration, credentials: dict[str, Any]) -> None:
    spec = providers.provider_spec(integration.type)
    integration.credentials_encrypted = crypto.encrypt_json(credentials) if credentials else ""
    integration.credentials_hint = spec.credentials_hint(credentials)


def _save_unique(integration: Integration, **kwargs: Any) -> None:
    # The duplicate check in integration_clean can race with a concurrent write; the
    # unique constraint is the last word, answered as the same field error.
    try:
        with transaction.atomic():
            integration.save(**kwargs)
    except IntegrityError:
        raise IntegrationValidationError(
            {"name": [f"An integration named '{integration.name}' already exists."]}
        ) from None


def _log_extra(integration: Integration) -> dict[str, str]:
    return {
        "integration_id": str(integration.pk),
        "integration_type": integration.type,
        "tenant_id": str(integration.tenant_id),
    }


@transaction.atomic
def integration_create(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    type: str,
    name: str,
    config: dict[str, Any],
    credentials: dict[str, Any],
) -> Integration:
    clean = integration_clean(tenant=tenant, type=type, name=name, config=config, credentials=credentials)
    integration = Integration(tenant=tenant, type=type, name=clean.name, config=clean.config)
    _store_credentials(integration, clean.credentials or {})
    _save_unique(integration)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="integration.created",
        target=integration,
        data={"type": type, "name": clean.name},
    )
    logger.info("integration created", extra=_log_extra(integration))
    return integration


@transaction.atomic
def integration_update(
    *,
    integration: Integration,
    actor: AbstractBaseUser | None,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> Integration:
    """Change name/config/credentials (each only when given) and enable or disable the integration.

    A changed config or credentials invalidates the last connection test: the status
    goes back to ``new`` (unless the integration is disabled).
    """
    clean = integration_clean(
        tenant=integration.tenant,
        type=integration.type,
        name=name,
        config=config,
        credentials=credentials,
        instance=integration,
    )
    changed: list[str] = []
    if clean.name != integration.name:
        integration.name = clean.name
        changed.append("name")
    connection_changed = False
    if config is not None and clean.config != integration.config:
        integration.config = clean.config
        changed.append("config")
        connection_changed = True
    if clean.credentials is not None:
        _store_credentials(integration, clean.credentials)
        changed += ["credentials"]
        connection_changed = True

    status_before = integration.status
    disabled = status_before == IntegrationStatus.DISABLED
    if enabled is False:
        integration.status = IntegrationStatus.DISABLED
    elif (enabled is True and disabled) or (connection_changed and not disabled):
        integration.status = IntegrationStatus.NEW
    if connection_changed:
        integration.last_error = ""
    if integration.status != status_before:
        changed.append("status")

    if changed:
        _save_unique(integration)
        audit_record(
            tenant=integration.tenant,
            actor=actor,
            action="integration.updated",
            target=integration,
            # Names of what changed only: never a value of the credentials.
            data={"changed": sorted(set(changed)), "status": integration.status},
        )
        logger.info("integration updated", extra={**_log_extra(integration), "changed": sorted(set(changed))})
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration, actor: AbstractBaseUser | None) -> None:
    audit_record(
        tenant=integration.tenant,
        actor=actor,
        action="integration.deleted",
        target=integration,
        data={"type": integration.type, "name": integration.name},
    )
    logger.info("integration deleted", extra=_log_extra(integration))
    integration.delete()


def integration_connector(*, integration: Integration) -> Connector:
    """The connector of an integration, built from its config and decrypted credentials.

    Raises :class:`crypto.CredentialsDecryptionError` when the stored credentials cannot
    be decrypted, and :class:`IntegrationUnavailableError` when the type's provider is
    not installed.
    """
    credentials = crypto.decrypt_json(integration.credentials_encrypted)
    try:
        return providers.connector_for(integration.type, config=dict(integration.config), credentials=credentials)
    except providers.UnknownIntegrationTypeError:
        raise IntegrationUnavailableError(
            f"The '{integration.type}' provider is not available in this deployment."
        ) from None


class IntegrationTestBusyError(TooManyRequestsError):
    """The tenant already runs as many connection tests as it may at once."""

    default_detail = "Too many connection tests are running for this organization; try again shortly."


def _test_slot_key(tenant_id: Any, index: int) -> str:
    return f"integrations:test-slot:{tenant_id}:{index}"


def _test_slot_acquire(*, tenant_id: Any) -> str | None:
    """Take one of the tenant's connection-test slots; the key of the slot, or None when all are taken.

    Each slot is a cache key added atomically (LocMem and Redis alike) with an expiry: a
    slot whose holder crashed frees itself, so the cap can never stay stuck.
    """
    token = uuid.uuid4().hex
    for index in range(max(1, settings.INTEGRATION_TEST_CONCURRENCY)):
        key = _test_slot_key(tenant_id, index)
        if cache.add(key, token, timeout=_test_slot_seconds()):
            return f"{key}|{token}"
    return None


def _test_slot_release(slot: str) -> None:
    key, _, token = slot.rpartition("|")
    # Only our own slot: after an expiry another test may hold the key now.
    if cache.get(key) == token:
        cache.delete(key)


def _test_slot_seconds() -> int:
    # A test outliving its deadline keeps running in the background until its connector's
    # own timeouts end it (tens of seconds); it keeps its slot meanwhile, but never forever
    # (60 s with the default 10 s deadline).
    return max(1, math.ceil(6 * settings.INTEGRATION_TEST_TIMEOUT_SECONDS))


def _run_connection_test(connector: Connector, slot: str, outcome: dict[str, Any], done: threading.Event) -> None:
    try:
        outcome["result"] = connector.test_connection()
    except Exception as exc:  # noqa: BLE001
        # Boundary with provider code: any failure of a connector (even a bug) is this
        # integration's error to report, never a crash of the request or the worker.
        outcome["error"] = exc
    finally:
        _test_slot_release(slot)
        done.set()


def integration_test(*, integration: Integration, actor: AbstractBaseUser | None = None) -> tuple[bool, str]:
    """Try a real call through the connector; record the outcome on the integration; never raises for it.

    The person waiting gets an answer within ``INTEGRATION_TEST_TIMEOUT_SECONDS`` whatever
    the target does, and a tenant runs at most ``INTEGRATION_TEST_CONCURRENCY`` tests at
    once (:class:`IntegrationTestBusyError`, a 429, beyond): a target that never answers
    cannot hold the web tier's workers, nor one tenant crowd out the others.
    """
    # No transaction around this: it waits on the network.
    credentials: dict[str, Any] = {}
    ok, detail = False, ""
    try:
        credentials = crypto.decrypt_json(integration.credentials_encrypted)
        connector = providers.connector_for(integration.type, config=dict(integration.config), credentials=credentials)
    except crypto.CredentialsDecryptionError as exc:
        detail = exc.detail
    except providers.UnknownIntegrationTypeError:
        detail = f"The '{integration.type}' provider is not available in this deployment."
    else:
        slot = _test_slot_acquire(tenant_id=integration.tenant_id)
        if slot is None:
            raise IntegrationTestBusyError(retry_after=max(1, math.ceil(settings.INTEGRATION_TEST_TIMEOUT_SECONDS)))
        timeout = settings.INTEGRATION_TEST_TIMEOUT_SECONDS
        outcome: dict[str, Any] = {}
        done = threading.Event()
        # A daemon thread: the answer is given at the deadline even if the connector is
        # still waiting on the network; the thread then ends on the connector's own timeouts.
        threading.Thread(
            target=_run_connection_test,
            args=(connector, slot, outcome, done),
            name=f"integration-test-{integration.pk}",
            daemon=True,
        ).start()
        if not done.wait(timeout):
            detail = (
                f"The connection test did not finish within {timeout:g} seconds: the target did not answer in time."
            )
            logger.warning("integration test timed out", extra=_log_extra(integration))
        elif "error" in outcome:
            error = outcome["error"]
            # The exception's text may carry what the target answered: logged, never shown.
            detail = f"The connection test failed unexpectedly ({type(error).__name__}); the error was logged."
            logger.error(
                "integration test raised %s",
                type(error).__name__,
                extra={**_log_extra(integration), "detail": redact(str(error), [credentials])},
            )
        else:
            ok, detail = outcome["result"]
    detail = redact(str(detail or ("Connected." if ok else "The connection failed.")), [credentials])
    detail = detail[:DETAIL_MAX_LENGTH]

    integration.last_tested_at = timezone.now()
    if integration.status != IntegrationStatus.DISABLED:
        integration.status = IntegrationStatus.CONNECTED if ok else IntegrationStatus.ERROR
    integration.last_error = "" if ok else detail
    integration.save(update_fields=["status", "last_tested_at", "last_error", "updated_at"])
    audit_record(
        tenant=integration.tenant,
        actor=actor,
        action="integration.tested",
        target=integration,
        data={"ok": ok},
    )
    logger.info("integration tested", extra={**_log_extra(integration), "ok": ok})
    return ok, detail


@transaction.atomic
def integration_credentials_rotate() -> int:
    """Re-encrypt every integration's credentials with the first configured key; returns how many.

    All or nothing: if any row cannot be decrypted with the configured keys, nothing is
    changed and :class:`crypto.CredentialsDecryptionError` names the integrations.
    """
    rotated: list[Integration] = []
    undecryptable: list[str] = []
    rows = Integration.objects.exclude(credentials_encrypted="").select_for_update().order_by("pk")
    for integration in rows.only("pk", "credentials_encrypted").iterator(chunk_size=500):
        try:
            integration.credentials_encrypted = crypto.rotate(integration.credentials_encrypted)
        except crypto.CredentialsDecryptionError:
            undecryptable.append(str(integration.pk))
            continue
        rotated.append(integration)
    if undecryptable:
        raise crypto.CredentialsDecryptionError(
            "These integrations' credentials cannot be decrypted with any configured key, so nothing was "
            f"re-encrypted: {', '.join(undecryptable)}. Add the missing key, or enter their credentials again."
        )
    Integration.objects.bulk_update(rotated, ["credentials_encrypted"], batch_size=500)
    logger.info("integration credentials re-encrypted", extra={"count": len(rotated)})
    return len(rotated)


def integration_seed_demo(*, tenant: Tenant) -> None:
    """Demo integrations for the demo tenant: "This machine" once a host provider is installed."""
    if IntegrationType.HOST not in providers.available_types():
        return
    if host_policy.root_refusal("/"):
        # A deployment that does not scan its own machine (production, by default).
        return
    if Integration.objects.for_tenant(tenant).filter(name=DEMO_HOST_NAME).exists():
        return
    integration_create(
        tenant=tenant,
        actor=None,
        type=IntegrationType.HOST,
        name=DEMO_HOST_NAME,
        config={"root": "/"},
        credentials={},
    )
