"""Systems Manager service settings, which moto 5.2 does not serve.

Added to moto's own SSM responder: GetServiceSetting, UpdateServiceSetting and ResetServiceSetting for the settings
listed here, each starting at AWS's default for an account that never changed it, kept per account and region on
moto's SSM backend. Any other setting id answers ServiceSettingNotFound.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.utils import utcnow
from moto.ssm.responses import SimpleSystemManagerResponse

from ._responder import add_methods, state_on

# Setting id -> AWS's default value.
DEFAULTS = {"/ssm/documents/console/public-sharing-permission": "Enable"}


def _settings(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.ssm_backend, "service_settings", dict)


def _setting(response: Any, setting_id: str) -> dict[str, Any]:
    kept = _settings(response).get(setting_id)
    arn = f"arn:aws:ssm:{response.region}:{response.current_account}:servicesetting{setting_id}"
    if kept is None:
        return {"SettingId": setting_id, "SettingValue": DEFAULTS[setting_id], "ARN": arn, "Status": "Default"}
    return {**kept, "ARN": arn}


def _not_found(setting_id: str) -> tuple[str, dict[str, int]]:
    body = {"__type": "ServiceSettingNotFound", "message": f"Service setting {setting_id} was not found"}
    return json.dumps(body), {"status": 400}


class SsmResponses:
    """Methods set on moto's ``SimpleSystemManagerResponse``."""

    def get_service_setting(self: Any) -> str | tuple[str, dict[str, int]]:
        setting_id = str(self._get_param("SettingId"))
        if setting_id not in DEFAULTS:
            return _not_found(setting_id)
        setting = _setting(self, setting_id)
        return json.dumps({"ServiceSetting": {**setting, "LastModifiedDate": setting.get("LastModifiedDate", 0)}})

    def update_service_setting(self: Any) -> str | tuple[str, dict[str, int]]:
        setting_id = str(self._get_param("SettingId"))
        if setting_id not in DEFAULTS:
            return _not_found(setting_id)
        _settings(self)[setting_id] = {
            "SettingId": setting_id,
            "SettingValue": str(self._get_param("SettingValue")),
            "Status": "Customized",
            "LastModifiedDate": utcnow().timestamp(),
        }
        return "{}"

    def reset_service_setting(self: Any) -> str | tuple[str, dict[str, int]]:
        setting_id = str(self._get_param("SettingId"))
        if setting_id not in DEFAULTS:
            return _not_found(setting_id)
        _settings(self).pop(setting_id, None)
        return json.dumps({"ServiceSetting": _setting(self, setting_id)})


def install() -> None:
    add_methods(SsmResponses, SimpleSystemManagerResponse)
