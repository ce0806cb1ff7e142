"""IAM policy, role and server certificate checks, and IAM Access Analyzer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ...shapes import AccessAnalyzerRegion, Iam, PolicyDocument
from .._common import ACCOUNT, as_list, aws_check, error, parse_time, regions, result, scan_time, statements
from ._data import CERTIFICATE, POLICY, account_id, iam_data

ANALYZER = "AWS::AccessAnalyzer::Analyzer"


def _analyzer_regions(inventory: Inventory) -> Iterator[tuple[str, AccessAnalyzerRegion]]:
    return regions(inventory, "accessanalyzer")


def granting_actions(document: PolicyDocument, grants: Callable[[PolicyDocument], bool]) -> list[str]:
    """The Action patterns, or NotAction lists, of the Allow statements that on their own satisfy ``grants``.

    What a failing policy check names as the cause: each Action pattern that alone grants it, or a statement's whole
    NotAction list (which grants it by leaving it out).
    """
    shown: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or not grants({"Statement": [statement]}):
            continue
        if "NotAction" in statement:
            shown.add(f"NotAction {', '.join(map(str, as_list(statement.get('NotAction'))))}")
            continue
        for action in as_list(statement.get("Action")):
            if grants({"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}):
                shown.add(str(action))
    return sorted(shown)


def grants_everything(statement: Mapping[str, Any]) -> bool:
    """An Allow of every action on every resource (what CIS calls full administrative privileges)."""
    return (
        statement.get("Effect") == "Allow"
        and "*" in as_list(statement.get("Action"))
        and "*" in as_list(statement.get("Resource"))
    )


@aws_check(
    id="aws.iam.no_full_admin_policies",
    title="No attached policy grants full administrative access",
    severity=Severity.HIGH,
    service="iam",
    resource_type=POLICY,
    rationale="A policy allowing every action on every resource defeats least privilege and is usually "
    "granted more widely than intended; AWS's own AdministratorAccess counts as much as a customer's copy.",
    remediation="Detach the policy (or replace it) with one that lists only the actions and resources actually "
    "needed; keep full administration to a small break-glass role.",
)
def no_full_admin_policies(inventory: Inventory) -> Iterable[Outcome]:
    # Only attached policies are judged: a policy attached to nobody grants nothing (CIS judges the
    # attached ones), so an unattached customer policy yields no outcome at all.
    for policy in iam_data(inventory).get("policies", []):
        if not policy.get("attachment_count"):
            continue
        arn = str(policy.get("arn"))
        offending = [s for s in statements(policy.get("document")) if grants_everything(s)]
        kind = "AWS-managed policy" if policy.get("aws_managed") else "Policy"
        name = policy.get("name")
        if offending:
            reason = f'{kind} {name} is attached and allows "*" actions on "*" resources'
        else:
            reason = f'{kind} {name} does not allow "*" on "*"'
        yield result(
            not offending,
            arn,
            POLICY,
            reason,
            attachment_count=policy.get("attachment_count", 0),
            aws_managed=bool(policy.get("aws_managed")),
            offending_statements=offending,
        )


@aws_check(
    id="aws.iam.unattached_policy_no_full_admin",
    title="No unattached customer managed policy grants full administrative access",
    severity=Severity.LOW,
    service="iam",
    resource_type=POLICY,
    rationale="A customer managed policy allowing every action on every resource grants nothing while attached to "
    "nobody, but one attachment makes its holder an administrator, and reviews of who holds what never see it; "
    "kept around, it is the ready-made way to escalate.",
    remediation="Delete the policy if nothing needs it; otherwise rewrite it to the actions and resources its future "
    "holder needs before it is attached.",
)
def unattached_policy_no_full_admin(inventory: Inventory) -> Iterable[Outcome]:
    # The attached ones, AWS-managed included, are aws.iam.no_full_admin_policies's; AWS's own are AWS's to keep.
    for policy in iam_data(inventory).get("policies", []):
        if policy.get("attachment_count") or policy.get("aws_managed"):
            continue
        offending = [s for s in statements(policy.get("document")) if grants_everything(s)]
        name = policy.get("name")
        if offending:
            reason = f'Policy {name} is attached to nobody but allows "*" actions on "*" resources'
        else:
            reason = f'Policy {name} is attached to nobody and does not allow "*" on "*"'
        yield result(not offending, str(policy.get("arn")), POLICY, reason, offending_statements=offending)


@aws_check(
    id="aws.iam.support_role_exists",
    title="A role exists for AWS Support access",
    severity=Severity.LOW,
    service="iam",
    resource_type=ACCOUNT,
    rationale="A dedicated support role lets the right people open and manage support cases during an "
    "incident without handing out broader permissions.",
    remediation="Create an IAM role that trusted users can assume and attach the AWS managed policy AWSSupportAccess.",
)
def support_role_exists(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "roles" not in iam:
        return []
    roles = roles_with_aws_policy(iam, "AWSSupportAccess")
    reason = f"Role(s) {', '.join(roles)} have AWSSupportAccess" if roles else "No role has AWSSupportAccess attached"
    return [result(bool(roles), account_id(inventory), ACCOUNT, reason, support_roles=roles)]


def roles_with_aws_policy(iam: Iam, policy_name: str) -> list[str]:
    """The names of the roles the AWS managed policy ``policy_name`` is attached to (in any partition)."""
    suffix = f":iam::aws:policy/{policy_name}"
    return [
        str(r.get("name"))
        for r in iam.get("roles", [])
        if any(str(a).endswith(suffix) for a in r.get("attached_policies", []))
    ]


@aws_check(
    id="aws.iam.security_audit_role_exists",
    title="A role exists for security auditors (SecurityAudit)",
    severity=Severity.LOW,
    service="iam",
    resource_type=ACCOUNT,
    rationale="A role holding AWS's read-only SecurityAudit policy lets auditors and scanning tools review the "
    "account's configuration when needed, without long-lived users or broader grants made in a hurry.",
    remediation="Create an IAM role that the auditors (or the auditing account) may assume and attach the AWS "
    "managed policy SecurityAudit to it.",
)
def security_audit_role_exists(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "roles" not in iam:
        return []
    roles = roles_with_aws_policy(iam, "SecurityAudit")
    reason = f"Role(s) {', '.join(roles)} have SecurityAudit" if roles else "No role has SecurityAudit attached"
    return [result(bool(roles), account_id(inventory), ACCOUNT, reason, audit_roles=roles)]


def aws_policy_holders(iam: Iam, policy_name: str) -> list[str]:
    """``"<user|group|role> <name>"`` of every principal the AWS managed policy ``policy_name`` is attached to."""
    suffix = f":iam::aws:policy/{policy_name}"
    return [
        f"{kind} {p.get('name')}"
        for kind, principals in (
            ("user", iam.get("users", [])),
            ("group", iam.get("groups", [])),
            ("role", iam.get("roles", [])),
        )
        for p in principals
        if any(str(arn).endswith(suffix) for arn in p.get("attached_policies", []))
    ]


@aws_check(
    id="aws.iam.no_cloudshell_full_access",
    title="AWSCloudShellFullAccess is attached to no user, group or role",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=ACCOUNT,
    rationale="CloudShell's full-access policy lets its holder upload and download files to a shell inside the "
    "account, a ready channel for moving data out that bypasses network controls.",
    remediation="Detach AWSCloudShellFullAccess everywhere; grant a custom policy without file transfer to the "
    "few who need CloudShell.",
)
def no_cloudshell_full_access(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "roles" not in iam:
        return []
    holders = aws_policy_holders(iam, "AWSCloudShellFullAccess")
    reason = (
        f"AWSCloudShellFullAccess is attached to {', '.join(holders)}"
        if holders
        else "AWSCloudShellFullAccess is attached to no user, group or role"
    )
    return [result(not holders, account_id(inventory), ACCOUNT, reason, holders=holders)]


@aws_check(
    id="aws.iam.identity_federation_configured",
    title="The account trusts a SAML or OpenID Connect identity provider",
    severity=Severity.LOW,
    service="iam",
    resource_type=ACCOUNT,
    rationale="Signing people in through a central identity provider puts joiners, leavers, MFA and password "
    "rules in one place instead of in separate IAM users per account.",
    remediation="Set up IAM Identity Center or add a SAML 2.0 or OpenID Connect provider and move people from "
    "IAM users to federated roles.",
)
def identity_federation_configured(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "identity_providers" not in iam:
        return []
    providers = list(iam.get("identity_providers", []))
    reason = (
        f"The account trusts {len(providers)} identity provider(s)"
        if providers
        else "The account has no SAML or OpenID Connect identity provider"
    )
    return [result(bool(providers), account_id(inventory), ACCOUNT, reason, providers=providers)]


@aws_check(
    id="aws.iam.server_certificates_not_expired",
    title="No expired IAM server certificates",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=CERTIFICATE,
    rationale="An expired certificate deployed by mistake breaks clients or trains users to click through "
    "warnings; stored expired certificates serve no purpose.",
    remediation="Delete expired server certificates from IAM (and use ACM, which renews automatically).",
)
def server_certificates_not_expired(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    now = scan_time(iam)
    for cert in iam.get("server_certificates", []):
        name = str(cert.get("name"))
        expiry: datetime | None = parse_time(cert.get("expiration"))
        expired = expiry is not None and expiry <= now
        reason = (
            f"Server certificate {name} expired on {expiry.date().isoformat()}"
            if expired and expiry
            else f"Server certificate {name} has not expired"
        )
        yield result(not expired, name, CERTIFICATE, reason, expiration=cert.get("expiration"))


@aws_check(
    id="aws.accessanalyzer.enabled",
    title="IAM Access Analyzer is active in every scanned region",
    severity=Severity.MEDIUM,
    service="accessanalyzer",
    resource_type=ACCOUNT,
    rationale="Access Analyzer continuously reports resources shared outside the account, catching "
    "accidental public or cross-account access.",
    remediation="Create an account (or organization) analyzer in every region you use.",
)
def access_analyzer_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _analyzer_regions(inventory):
        analyzers = list(data.get("analyzers", []))
        active = [a.get("name") for a in analyzers if a.get("status") == "ACTIVE"]
        reason = (
            f"Access Analyzer {', '.join(map(str, active))} is active in {region}"
            if active
            else f"No active Access Analyzer in {region}"
        )
        yield result(
            bool(active),
            account_id(inventory),
            ACCOUNT,
            reason,
            region=region,
            analyzers=[{"name": a.get("name"), "status": a.get("status")} for a in analyzers],
        )


@aws_check(
    id="aws.accessanalyzer.findings_resolved",
    title="IAM Access Analyzer has no active findings",
    severity=Severity.MEDIUM,
    service="accessanalyzer",
    resource_type=ANALYZER,
    rationale="An active finding is a resource shared outside the account or organization that nobody has "
    "confirmed as intended; left open, it is the accidental public or cross-account access the analyzer exists "
    "to catch.",
    remediation="Review each active finding: remove the access that is not intended, and archive (or add an archive "
    "rule for) the access that is.",
)
def access_analyzer_findings_resolved(inventory: Inventory) -> Iterable[Outcome]:
    # Judged per active external-access analyzer; regions without one are the "enabled" check's concern.
    for region, data in _analyzer_regions(inventory):
        for analyzer in data.get("analyzers", []):
            arn = str(analyzer.get("arn"))
            name = analyzer.get("name")
            if analyzer.get("findings_error"):
                yield error(
                    arn,
                    ANALYZER,
                    f"The findings of analyzer {name} could not be read: {analyzer['findings_error']}",
                    region=region,
                )
                continue
            if "active_findings" not in analyzer:
                continue
            count = int(analyzer.get("active_findings") or 0)
            reason = (
                f"Analyzer {name} has {count} active finding(s) in {region}"
                if count
                else f"Analyzer {name} has no active findings in {region}"
            )
            yield result(
                not count,
                arn,
                ANALYZER,
                reason,
                region=region,
                active_findings=count,
                findings=analyzer.get("findings"),
            )
