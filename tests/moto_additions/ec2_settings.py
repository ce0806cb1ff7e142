"""EC2's regional account settings, which moto does not serve, added to moto's own EC2 responder.

moto 5.2 answers ``GetEbsEncryptionByDefault`` but none of the newer per-region account settings: block public
access for EBS snapshots and for AMIs, the account's instance metadata defaults and EC2 serial console access.
These handlers give moto's server those operations, reads and writes alike, so a test turns a setting on with the
same boto3 call an operator makes against AWS and the connector reads it back over HTTP through botocore, as it
would from AWS. Each setting lives on moto's EC2 backend of its account and region (so ``/moto-api/reset`` clears
it like the rest of moto's state) and starts where AWS starts an account that never touched it. Answers are shaped
by botocore's EC2 model (moto's ``ActionResult``), so a field the model does not know could not slip through.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidParameterValueError
from moto.ec2.responses import EC2Response

from ._responder import add_methods, state_on

_SNAPSHOT_STATES = ("block-all-sharing", "block-new-sharing")
_TOKENS = ("optional", "required")
_ENDPOINT = ("enabled", "disabled")
_NO_PREFERENCE = "no-preference"
_HOP_LIMIT_RANGE = range(1, 65)


def _settings(response: EC2Response) -> dict[str, Any]:
    def start() -> dict[str, Any]:
        return {
            "snapshot_block_public_access": "unblocked",
            "image_block_public_access": "unblocked",
            "serial_console_access": False,
            "instance_metadata_defaults": {},
        }

    return state_on(response.ec2_backend, "account_settings", start)


def _param(response: EC2Response, name: str) -> str | None:
    value = response._get_param(name)
    return None if value is None else str(value)


class AccountSettingsResponses:
    """Methods added to moto's ``EC2Response``; moto dispatches ``Action=GetSerialConsoleAccessStatus`` to
    ``get_serial_console_access_status`` and so on."""

    def get_snapshot_block_public_access_state(self: Any) -> ActionResult:
        return ActionResult({"State": _settings(self)["snapshot_block_public_access"], "ManagedBy": "account"})

    def enable_snapshot_block_public_access(self: Any) -> ActionResult:
        state = _param(self, "State")
        if state not in _SNAPSHOT_STATES:
            raise InvalidParameterValueError(f"{state} (State)")
        _settings(self)["snapshot_block_public_access"] = state
        return ActionResult({"State": state})

    def disable_snapshot_block_public_access(self: Any) -> ActionResult:
        _settings(self)["snapshot_block_public_access"] = "unblocked"
        return ActionResult({"State": "unblocked"})

    def get_image_block_public_access_state(self: Any) -> ActionResult:
        state = _settings(self)["image_block_public_access"]
        return ActionResult({"ImageBlockPublicAccessState": state, "ManagedBy": "account"})

    def enable_image_block_public_access(self: Any) -> ActionResult:
        state = _param(self, "ImageBlockPublicAccessState")
        if state != "block-new-sharing":
            raise InvalidParameterValueError(f"{state} (ImageBlockPublicAccessState)")
        _settings(self)["image_block_public_access"] = state
        return ActionResult({"ImageBlockPublicAccessState": state})

    def disable_image_block_public_access(self: Any) -> ActionResult:
        _settings(self)["image_block_public_access"] = "unblocked"
        return ActionResult({"ImageBlockPublicAccessState": "unblocked"})

    def get_serial_console_access_status(self: Any) -> ActionResult:
        enabled = _settings(self)["serial_console_access"]
        return ActionResult({"SerialConsoleAccessEnabled": enabled, "ManagedBy": "account"})

    def enable_serial_console_access(self: Any) -> ActionResult:
        _settings(self)["serial_console_access"] = True
        return ActionResult({"SerialConsoleAccessEnabled": True})

    def disable_serial_console_access(self: Any) -> ActionResult:
        _settings(self)["serial_console_access"] = False
        return ActionResult({"SerialConsoleAccessEnabled": False})

    def get_instance_metadata_defaults(self: Any) -> ActionResult:
        # An account that never set a default gets an empty AccountLevel, as from AWS.
        return ActionResult({"AccountLevel": dict(_settings(self)["instance_metadata_defaults"])})

    def modify_instance_metadata_defaults(self: Any) -> ActionResult:
        defaults = _settings(self)["instance_metadata_defaults"]
        changes: dict[str, Any] = {}
        for name, allowed in (("HttpTokens", _TOKENS), ("HttpEndpoint", _ENDPOINT)):
            value = _param(self, name)
            if value is not None and value not in (*allowed, _NO_PREFERENCE):
                raise InvalidParameterValueError(f"{value} ({name})")
            if value is not None:
                changes[name] = value
        hops = _param(self, "HttpPutResponseHopLimit")
        if hops is not None:
            if int(hops) != -1 and int(hops) not in _HOP_LIMIT_RANGE:
                raise InvalidParameterValueError(f"{hops} (HttpPutResponseHopLimit)")
            changes["HttpPutResponseHopLimit"] = int(hops)
        for name, value in changes.items():
            # "no-preference" (or a hop limit of -1) removes the account's default, as on AWS.
            if value in (_NO_PREFERENCE, -1):
                defaults.pop(name, None)
            else:
                defaults[name] = value
        return ActionResult({"Return": True})


def install() -> None:
    add_methods(AccountSettingsResponses, EC2Response)
