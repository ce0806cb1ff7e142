"""Systems Manager service settings and compliance, which moto 5.2 does not serve.

Added to moto's own SSM responder, kept per account and region on moto's SSM backend:

- GetServiceSetting, UpdateServiceSetting and ResetServiceSetting for the settings listed here, each starting at
  AWS's default for an account that never changed it. Any other setting id answers ServiceSettingNotFound.
- PutComplianceItems (what the SSM Agent reports after a patch scan, or what an operator reports for a custom
  type: the resource's items of that type are replaced, as with UploadType COMPLETE) and
  ListResourceComplianceSummaries (one summary per resource and type: NON_COMPLIANT when any item is, with the
  highest severity among those, and the counts by severity), filtered by ComplianceType, Status or ResourceId
  (EQUAL) and paged with MaxResults and NextToken.
- UpdateInstanceInformation, the call the SSM Agent makes on a node to register it and report in (it is not in
  botocore's public model: tests send it with :func:`agent_reports`, as the agent does), and
  DescribeInstanceInformation, listing the nodes that reported with their ping status: Online, or what the agent
  said (ConnectionLost and Inactive are AWS's own words for a node gone quiet), paged with MaxResults and NextToken.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from moto.core.utils import utcnow
from moto.ssm.responses import SimpleSystemManagerResponse

from ._responder import add_methods, paged, state_on

# Compliance severities, most severe first; SeveritySummary's key for each.
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED")
_SEVERITY_KEYS = {severity: f"{severity.capitalize()}Count" for severity in SEVERITIES}
_FILTER_FIELDS = {"ComplianceType": "ComplianceType", "Status": "Status", "ResourceId": "ResourceId"}

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

    def put_compliance_items(self: Any) -> str | tuple[str, dict[str, int]]:
        compliance_type = str(self._get_param("ComplianceType"))
        if compliance_type not in ("Patch", "Association") and not compliance_type.startswith("Custom:"):
            return _invalid("ValidationException", f"Invalid compliance type {compliance_type}")
        items = self._get_param("Items") or []
        bad = [i for i in items if i.get("Severity") not in SEVERITIES or i.get("Status") not in _STATUSES]
        if bad:
            return _invalid(
                "ValidationException", "Each item needs a Severity and a Status of COMPLIANT or NON_COMPLIANT"
            )
        key = (str(self._get_param("ResourceType")), str(self._get_param("ResourceId")), compliance_type)
        _compliance(self)[key] = {"items": items, "execution": self._get_param("ExecutionSummary") or {}}
        return "{}"

    def update_instance_information(self: Any) -> str | tuple[str, dict[str, int]]:
        instance_id = str(self._get_param("InstanceId") or "")
        status = str(self._get_param("AgentStatus") or "Online")
        if not instance_id or status not in _PING_STATUSES:
            return _invalid(
                "ValidationException", "InstanceId and an AgentStatus of Online, ConnectionLost or Inactive"
            )
        _nodes(self)[instance_id] = {
            "InstanceId": instance_id,
            "PingStatus": status,
            "LastPingDateTime": utcnow().timestamp(),
            "AgentVersion": str(self._get_param("AgentVersion") or "3.3.0.0"),
            "IsLatestVersion": True,
            "PlatformType": str(self._get_param("PlatformType") or "Linux"),
            "PlatformName": str(self._get_param("PlatformName") or "Amazon Linux"),
            "ResourceType": "ManagedInstance" if instance_id.startswith("mi-") else "EC2Instance",
        }
        return "{}"

    def describe_instance_information(self: Any) -> str | tuple[str, dict[str, int]]:
        nodes = [node for _, node in sorted(_nodes(self).items())]
        size = self._get_param("MaxResults") or 50
        return json.dumps(paged(nodes, "InstanceInformationList", self._get_param("NextToken"), size))

    def list_resource_compliance_summaries(self: Any) -> str | tuple[str, dict[str, int]]:
        summaries = [_summary(key, kept) for key, kept in sorted(_compliance(self).items())]
        for wanted in self._get_param("Filters") or []:
            field = _FILTER_FIELDS.get(wanted.get("Key"))
            if field is None or wanted.get("Type", "EQUAL") != "EQUAL":
                return _invalid("InvalidFilter", f"Unsupported filter {wanted.get('Key')}")
            summaries = [s for s in summaries if s[field] in wanted.get("Values", [])]
        size = self._get_param("MaxResults") or 50
        return json.dumps(paged(summaries, "ResourceComplianceSummaryItems", self._get_param("NextToken"), size))


_STATUSES = ("COMPLIANT", "NON_COMPLIANT")
_PING_STATUSES = ("Online", "ConnectionLost", "Inactive")


def _nodes(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.ssm_backend, "managed_nodes", dict)


def _compliance(response: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    return state_on(response.ssm_backend, "compliance", dict)


def _invalid(code: str, message: str) -> tuple[str, dict[str, int]]:
    return json.dumps({"__type": code, "message": message}), {"status": 400}


def _summary(key: tuple[str, str, str], kept: dict[str, Any]) -> dict[str, Any]:
    resource_type, resource_id, compliance_type = key
    failing = [i for i in kept["items"] if i["Status"] == "NON_COMPLIANT"]
    passing = [i for i in kept["items"] if i["Status"] == "COMPLIANT"]

    def counts(items: list[dict[str, Any]]) -> dict[str, int]:
        return {_SEVERITY_KEYS[s]: sum(1 for i in items if i["Severity"] == s) for s in SEVERITIES}

    worst = next((s for s in SEVERITIES if any(i["Severity"] == s for i in failing)), "UNSPECIFIED")
    execution = {"ExecutionTime": kept["execution"].get("ExecutionTime", 0), **kept["execution"]}
    return {
        "ComplianceType": compliance_type,
        "ResourceType": resource_type,
        "ResourceId": resource_id,
        "Status": "NON_COMPLIANT" if failing else "COMPLIANT",
        "OverallSeverity": worst,
        "ExecutionSummary": execution,
        "CompliantSummary": {"CompliantCount": len(passing), "SeveritySummary": counts(passing)},
        "NonCompliantSummary": {"NonCompliantCount": len(failing), "SeveritySummary": counts(failing)},
    }


def install() -> None:
    add_methods(SsmResponses, SimpleSystemManagerResponse)


def agent_reports(endpoint: str, region: str, instance_id: str, status: str = "Online") -> None:
    """What the SSM Agent on ``instance_id`` sends to Systems Manager in ``region`` (UpdateInstanceInformation), signed
    as a request of that region so the server files it there."""
    body = json.dumps({"InstanceId": instance_id, "AgentStatus": status, "AgentVersion": "3.3.987.0"}).encode()
    credential = f"testing/20261201/{region}/ssm/aws4_request"
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.UpdateInstanceInformation",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=agent",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
