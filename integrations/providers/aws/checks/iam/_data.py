"""What the IAM checks share: resource types and typed accessors over the collected ``iam`` data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from integrations.registry import Inventory

from ...shapes import CredentialReportRow, Iam, IamSummary
from .._common import service_data

ROOT_ROW = "<root_account>"
USER = "AWS::IAM::User"
POLICY = "AWS::IAM::ManagedPolicy"
CERTIFICATE = "AWS::IAM::ServerCertificate"
PASSWORD_POLICY = "AWS::IAM::AccountPasswordPolicy"


def iam_data(inventory: Inventory) -> Iam:
    return service_data(inventory, "iam")


def account_id(inventory: Inventory) -> str:
    return inventory.account_id or "aws-account"


def report_users(inventory: Inventory) -> list[CredentialReportRow]:
    return [row for row in iam_data(inventory).get("credential_report", []) if row.get("user") != ROOT_ROW]


def root_row(inventory: Inventory) -> CredentialReportRow | None:
    return next((r for r in iam_data(inventory).get("credential_report", []) if r.get("user") == ROOT_ROW), None)


def summary(inventory: Inventory) -> IamSummary:
    return iam_data(inventory).get("summary", {})


def days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def active_keys(row: Mapping[str, Any]) -> list[int]:
    return [n for n in (1, 2) if row.get(f"access_key_{n}_active") is True]
