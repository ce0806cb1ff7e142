"""End to end against a real (moto) AWS account: a scan lists the IAM users, a review revokes one, and the next
scans check that the revocation took effect, failing the access-review control while the user is still there."""

from __future__ import annotations

import boto3
import pytest

from frameworks.models import Control
from integrations.models import IntegrationAccount
from reviews import services
from reviews.choices import Decision
from reviews.models import ReviewItem
from scans.models import CheckOutcome, ScanResult
from tests.conftest import REGION

from .support import member, open_review

pytestmark = pytest.mark.django_db(transaction=True)

CHECK = "aws.access_review.revocations_applied"


def iam(endpoint):
    return boto3.client("iam", endpoint_url=endpoint, region_name=REGION)


def add_user(endpoint, name: str) -> None:
    client = iam(endpoint)
    client.create_user(UserName=name)
    # A console password makes the user one who can sign in (a user with no credential is no access at all).
    client.create_login_profile(UserName=name, Password="Correct-Horse-Battery-9")


def remove_user(endpoint, name: str) -> None:
    client = iam(endpoint)
    client.delete_login_profile(UserName=name)
    client.delete_user(UserName=name)


def control_status(job_id, ref: str) -> str:
    control = Control.objects.get(framework__key="soc2", ref=ref)
    return ScanResult.objects.get(scan_job_id=job_id, control=control).status


def check_status(job_id, ref: str) -> str:
    """How the revocation check counted in the control's result of that scan."""
    result = ScanResult.objects.get(scan_job_id=job_id, control__framework__key="soc2", control__ref=ref)
    return {row["id"]: row["status"] for row in result.checks}[CHECK]


def test_a_revoked_user_still_present_fails_the_next_scan_and_passes_once_removed(
    tenant, aws_integration, admin_client, run_scan
):
    endpoint = aws_integration.config["endpoint_url"]
    add_user(endpoint, "alice")
    add_user(endpoint, "bob")
    # given a scan that saw both users
    first = run_scan(admin_client)
    assert first["status"] == "completed", first
    present = set(
        IntegrationAccount.objects.filter(integration=aws_integration, removed_at=None).values_list("name", flat=True)
    )
    assert {"alice", "bob"} <= present
    # and a completed review that revoked bob
    admin = member(tenant)
    campaign = open_review(tenant, admin, aws_integration)
    items = ReviewItem.objects.filter(campaign=campaign)
    services.items_decide(
        tenant=tenant,
        actor=admin,
        campaign=campaign,
        item_ids=list(items.exclude(name="bob").values_list("pk", flat=True)),
        decision=Decision.APPROVED,
    )
    services.items_decide(
        tenant=tenant,
        actor=admin,
        campaign=campaign,
        item_ids=[items.get(name="bob").pk],
        decision=Decision.REVOKED,
        note="moved to another team",
    )
    services.campaign_complete(tenant=tenant, actor=admin, campaign=campaign)

    # when the next scan finds bob still able to sign in
    second = run_scan(admin_client)
    # then the revocation check fails on bob and the access-review control fails with it
    [outcome] = CheckOutcome.objects.filter(scan_job_id=second["id"], check_id=CHECK)
    assert outcome.status == "fail"
    assert outcome.resource_id.endswith(":user/bob")
    assert "still has access" in outcome.reason and "moved to another team" not in outcome.reason
    assert check_status(second["id"], "CC6.2") == "fail"
    assert control_status(second["id"], "CC6.2") == "fail"

    # when bob is removed and the account scanned again
    remove_user(endpoint, "bob")
    third = run_scan(admin_client)
    # then the check passes on him, the control is no longer failed by it, and the snapshot records the verification
    [outcome] = CheckOutcome.objects.filter(scan_job_id=third["id"], check_id=CHECK)
    assert outcome.status == "pass"
    bob = IntegrationAccount.objects.get(integration=aws_integration, name="bob")
    assert bob.removed_at is not None
    assert str(bob.revocation_verified_scan_id) == third["id"]
    assert check_status(third["id"], "CC6.2") == "pass"
    # and a later scan has nothing left to verify
    fourth = run_scan(admin_client)
    assert not CheckOutcome.objects.filter(scan_job_id=fourth["id"], check_id=CHECK).exists()
