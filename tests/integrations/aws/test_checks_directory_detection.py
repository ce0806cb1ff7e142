"""GuardDuty administration and EKS audit logs, Directory Service RADIUS MFA and log forwarding, Shield Advanced on
public Application Load Balancers and WorkSpaces volume encryption, against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CENTRAL = "aws.guardduty.centrally_managed"
EKS_AUDIT = "aws.guardduty.eks_audit_logs_enabled"
RADIUS = "aws.directoryservice.radius_mfa_enabled"
LOG_FORWARDING = "aws.directoryservice.log_forwarding_enabled"
SHIELD = "aws.shield.internet_facing_alb_protected"
WORKSPACES = "aws.workspaces.volumes_encrypted"
ADMIN = "111122223333"
PASSWORD = "Str0ng-Passw0rd!"


def _refused(code: str = "AccessDeniedException", status: int = 403) -> Any:
    return answer([lambda: json_reply({"__type": code, "message": "no"}, status=status)])


def _collect_with(endpoint: str, check_id: str, operation: str, hook: Any) -> Inventory:
    built = connector(endpoint)
    built.session.events.register(f"before-send.{operation}", hook)
    return built.collect(services_for([check_id]))


# --- GuardDuty administration ----------------------------------------------------------------------------------------


def test_a_detector_without_an_administrator_fails_and_a_member_passes(moto_reset: str) -> None:
    # given an enabled detector in one region and a suspended one in another (not judged)
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    aws(moto_reset, "guardduty", OTHER_REGION).create_detector(Enable=False)
    # when the check runs, then the enabled detector fails: no administrator, no delegated administrator
    outcome = only(scan(moto_reset, CENTRAL, [REGION, OTHER_REGION]))
    assert (outcome.status, outcome.resource_id, outcome.region) == (FAIL, detector, REGION)
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} has no administrator and the organization has no GuardDuty "
        "delegated administrator"
    )
    # given a delegated administrator in the organization that the detector is not a member of
    aws(moto_reset, "guardduty").enable_organization_admin_account(AdminAccountId=ADMIN)
    # when the check runs again, then it still fails, naming the delegated administrator
    outcome = only(scan(moto_reset, CENTRAL))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} has no administrator: the organization's delegated administrator "
        f"is {ADMIN}"
    )


def _administrator_reply(status: str) -> Any:
    """GetAdministratorAccount as AWS answers it: moto 5.2.5 answers the fields capitalised, which botocore does not
    read, so a member's administrator is served from here."""
    return answer([lambda: json_reply({"administrator": {"accountId": ADMIN, "relationshipStatus": status}})])


def test_a_member_of_an_administrator_passes(moto_reset: str) -> None:
    # given an enabled detector whose administrator relationship is Enabled
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    inv = _collect_with(moto_reset, CENTRAL, "guardduty.GetAdministratorAccount", _administrator_reply("Enabled"))
    # when the check runs, then it passes, naming the administrator
    outcome = only(run(inv, CENTRAL))
    assert outcome.status == PASS
    assert (
        outcome.reason
        == f"GuardDuty detector {detector} in {REGION} is a member managed by administrator account {ADMIN}"
    )


def test_the_delegated_administrator_own_detector_passes(moto_reset: str) -> None:
    # given this account designated as the organization's GuardDuty delegated administrator
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    aws(moto_reset, "guardduty").enable_organization_admin_account(AdminAccountId=ACCOUNT)
    # when the check runs, then its own detector passes
    outcome = only(scan(moto_reset, CENTRAL))
    assert outcome.status == PASS
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} belongs to this account, the organization's GuardDuty delegated "
        "administrator"
    )


def test_a_refused_administrator_read_is_an_error_and_a_refused_listing_is_said(moto_reset: str) -> None:
    # given an enabled detector, read once with GetAdministratorAccount refused and once with only the delegated
    # administrators' listing refused (as AWS refuses any account but the management account)
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    no_admin = _collect_with(moto_reset, CENTRAL, "guardduty.GetAdministratorAccount", _refused())
    # AWS answers an account other than the management account BadRequestException
    refused = _refused("BadRequestException", 400)
    no_listing = _collect_with(moto_reset, CENTRAL, "guardduty.ListOrganizationAdminAccounts", refused)
    # when the check runs on each
    # then the first is an error naming the read, the second a failure saying the listing could not be read
    outcome = only(run(no_admin, CENTRAL))
    assert (outcome.status, outcome.resource_id) == (ERROR, detector)
    assert outcome.reason == (
        f"Could not read the administrator of GuardDuty detector {detector} in {REGION}: GetAdministratorAccount "
        "failed with AccessDeniedException (HTTP 403): the principal lacks a permission that SecurityAudit grants"
    )
    outcome = only(run(no_listing, CENTRAL))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} has no administrator account (the delegated administrators, "
        "which only the management account may list, could not be read: ListOrganizationAdminAccounts failed with "
        "BadRequestException (HTTP 400))"
    )


def _members_reply(*accounts: str) -> Any:
    """ListMembers as AWS answers it (moto has no ListMembers)."""
    members = [{"accountId": a, "relationshipStatus": "Enabled", "email": f"{a}@example.com"} for a in accounts]
    return answer([lambda: json_reply({"members": members})])


def test_a_delegated_administrator_that_cannot_list_the_organizations_administrators_passes(moto_reset: str) -> None:
    # given this account's detector with no administrator of its own, the delegated administrators' listing refused
    # (this is not the management account), and member accounts under the detector
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.guardduty.ListOrganizationAdminAccounts", _refused("BadRequestException", 400)
    )
    built.session.events.register("before-send.guardduty.ListMembers", _members_reply("444455556666"))
    # when the check runs
    outcome = only(run(built.collect(services_for([CENTRAL])), CENTRAL))
    # then it passes: a detector with members is an administrator, whatever the listing said
    assert outcome.status == PASS
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} is an administrator: other accounts' detectors are its members"
    )
    assert outcome.observed["has_members"] is True


def test_a_detector_without_members_or_whose_members_cannot_be_read_still_fails(moto_reset: str) -> None:
    # given a detector with no administrator and no delegated administrator, once with ListMembers answering no
    # member and once with moto's own answer (it has no ListMembers: the read fails)
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    alone = _collect_with(moto_reset, CENTRAL, "guardduty.ListMembers", _members_reply())
    unread = connector(moto_reset).collect(services_for([CENTRAL]))
    # when the check runs on each
    # then both fail as a detector nobody manages: neither shows it administering anyone
    expected = (
        f"GuardDuty detector {detector} in {REGION} has no administrator and the organization has no GuardDuty "
        "delegated administrator"
    )
    for inv, members in ((alone, False), (unread, None)):
        outcome = only(run(inv, CENTRAL))
        assert (outcome.status, outcome.reason) == (FAIL, expected)
        assert outcome.observed.get("has_members") is members
    assert "ListMembers failed" in unread.data["guardduty"]["regions"][REGION]["detectors"][0]["members_error"]


def test_a_detector_invited_by_an_administrator_but_not_yet_a_member_fails(moto_reset: str) -> None:
    # given an administrator whose invitation the detector has not accepted
    detector = aws(moto_reset, "guardduty").create_detector(Enable=True)["DetectorId"]
    inv = _collect_with(moto_reset, CENTRAL, "guardduty.GetAdministratorAccount", _administrator_reply("Invited"))
    # when the check runs, then it fails, naming the relationship
    outcome = only(run(inv, CENTRAL))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"GuardDuty detector {detector} in {REGION} is not yet managed by administrator account {ADMIN} "
        "(relationship Invited)"
    )


# --- GuardDuty EKS audit logs ----------------------------------------------------------------------------------------


def test_eks_audit_logs_pass_by_feature_or_data_source(moto_reset: str) -> None:
    # given detectors in three regions: one with the EKS_AUDIT_LOGS feature on, one with the older Kubernetes data
    # source on, and one with neither
    third = "eu-central-1"
    by_feature = aws(moto_reset, "guardduty").create_detector(
        Enable=True, Features=[{"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"}]
    )["DetectorId"]
    by_source = aws(moto_reset, "guardduty", OTHER_REGION).create_detector(
        Enable=True, DataSources={"Kubernetes": {"AuditLogs": {"Enable": True}}}
    )["DetectorId"]
    off = aws(moto_reset, "guardduty", third).create_detector(Enable=True)["DetectorId"]
    # when the check runs over the three regions
    inv = collect(moto_reset, [EKS_AUDIT], [REGION, OTHER_REGION, third])
    outcomes = run(inv, EKS_AUDIT)
    # then only the detector watching neither fails
    assert statuses(outcomes) == {by_feature: PASS, by_source: PASS, off: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[by_feature] == f"GuardDuty detector {by_feature} in {REGION} monitors EKS audit logs (ENABLED)"
    assert reasons[off] == f"GuardDuty detector {off} in {third} does not monitor EKS audit logs (DISABLED)"


def test_a_disabled_feature_wins_over_the_older_data_source_view(moto_reset: str) -> None:
    # given a detector whose features say EKS audit logs are off while its data sources (moto keeps both apart) say on
    detector = aws(moto_reset, "guardduty").create_detector(
        Enable=True,
        DataSources={"Kubernetes": {"AuditLogs": {"Enable": True}}},
        Features=[{"Name": "EKS_AUDIT_LOGS", "Status": "DISABLED"}],
    )["DetectorId"]
    # when the check runs, then the feature, AWS's current view, decides
    outcome = only(scan(moto_reset, EKS_AUDIT))
    assert (outcome.resource_id, outcome.status) == (detector, FAIL)


# --- Directory Service RADIUS MFA ------------------------------------------------------------------------------------


def _vpc(endpoint: str) -> tuple[str, list[str]]:
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    return vpc, subnets


def _microsoft_ad(endpoint: str, name: str) -> str:
    vpc, subnets = _vpc(endpoint)
    return str(
        aws(endpoint, "ds").create_microsoft_ad(
            Name=name, Password=PASSWORD, VpcSettings={"VpcId": vpc, "SubnetIds": subnets}, Edition="Standard"
        )["DirectoryId"]
    )


def _radius(endpoint: str, directory: str, protocol: str = "MS-CHAPv2") -> None:
    aws(endpoint, "ds").enable_radius(
        DirectoryId=directory,
        RadiusSettings={
            "RadiusServers": ["10.20.0.10"],
            "RadiusPort": 1812,
            "RadiusTimeout": 5,
            "RadiusRetries": 3,
            "SharedSecret": "a-shared-secret-1",
            "AuthenticationProtocol": protocol,
            "DisplayLabel": "MFA",
            "UseSameUsername": True,
        },
    )


def test_directories_pass_only_with_radius_mfa_completed(moto_reset: str) -> None:
    # given a Microsoft AD with RADIUS MFA, an AD Connector without, and a Simple AD (which cannot use RADIUS)
    with_mfa = _microsoft_ad(moto_reset, "corp.example.com")
    _radius(moto_reset, with_mfa)
    vpc, subnets = _vpc(moto_reset)
    connector_id = aws(moto_reset, "ds").connect_directory(
        Name="onprem.example.com",
        Password=PASSWORD,
        Size="Small",
        ConnectSettings={
            "VpcId": vpc,
            "SubnetIds": subnets,
            "CustomerDnsIps": ["10.20.0.2"],
            "CustomerUserName": "connector",
        },
    )["DirectoryId"]
    aws(moto_reset, "ds").create_directory(
        Name="simple.example.com", Password=PASSWORD, Size="Small", VpcSettings={"VpcId": vpc, "SubnetIds": subnets}
    )
    # when the check runs
    inv = collect(moto_reset, [RADIUS])
    outcomes = run(inv, RADIUS)
    # then the Microsoft AD passes, the AD Connector fails and the Simple AD is not judged
    assert statuses(outcomes) == {with_mfa: PASS, connector_id: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[with_mfa] == (
        f"Directory {with_mfa} (corp.example.com, MicrosoftAD) asks for a second factor through RADIUS servers "
        "10.20.0.10"
    )
    assert reasons[connector_id] == (
        f"Directory {connector_id} (onprem.example.com, ADConnector) has no RADIUS server configured: users sign in "
        "with a password alone"
    )


def test_a_directory_whose_radius_setup_failed_fails(moto_reset: str) -> None:
    # given a Microsoft AD with RADIUS servers whose setup failed (moto completes it at once, so the collected
    # directory is given the status AWS reports after a failed setup)
    directory = _microsoft_ad(moto_reset, "corp.example.com")
    _radius(moto_reset, directory)
    inv = collect(moto_reset, [RADIUS])
    inv.data["directoryservice"]["regions"][REGION]["directories"][0]["radius_status"] = "Failed"
    # when the check runs, then it fails, naming the status
    outcome = only(run(inv, RADIUS))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"Directory {directory} (corp.example.com, MicrosoftAD) has RADIUS multi-factor authentication in status "
        "Failed, not Completed"
    )


def test_radius_passes_only_over_ms_chapv2(moto_reset: str) -> None:
    # given a Microsoft AD authenticating to RADIUS with MS-CHAPv2, one with PAP, and one without RADIUS
    check = "aws.directoryservice.radius_protocol_mschapv2"
    strong, weak = _microsoft_ad(moto_reset, "corp.example.com"), _microsoft_ad(moto_reset, "lab.example.com")
    _radius(moto_reset, strong)
    _radius(moto_reset, weak, protocol="PAP")
    _microsoft_ad(moto_reset, "plain.example.com")
    # when the check runs
    outcomes = run(collect(moto_reset, [check]), check)
    # then the PAP directory fails, and the one without RADIUS is left to the MFA check
    assert statuses(outcomes) == {strong: PASS, weak: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[weak] == (
        f"Directory {weak} (lab.example.com, MicrosoftAD) authenticates to its RADIUS servers with PAP (MS-CHAPv2 "
        "required)"
    )


def test_managed_microsoft_ads_pass_only_when_they_forward_their_security_logs(moto_reset: str) -> None:
    # given a Managed Microsoft AD forwarding its logs, one that does not, and a Simple AD (which cannot forward)
    forwarding = _microsoft_ad(moto_reset, "corp.example.com")
    ds = aws(moto_reset, "ds")
    ds.create_log_subscription(DirectoryId=forwarding, LogGroupName="/aws/directoryservice/corp")
    silent = _microsoft_ad(moto_reset, "branch.example.com")
    vpc, subnets = _vpc(moto_reset)
    ds.create_directory(
        Name="simple.example.com", Password=PASSWORD, Size="Small", VpcSettings={"VpcId": vpc, "SubnetIds": subnets}
    )
    # when the check runs
    outcomes = scan(moto_reset, LOG_FORWARDING)
    # then the forwarding directory passes, the other Microsoft AD fails and the Simple AD is not judged
    assert statuses(outcomes) == {forwarding: PASS, silent: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[forwarding] == (
        f"Directory {forwarding} (corp.example.com, MicrosoftAD) forwards its security logs to "
        "/aws/directoryservice/corp"
    )
    assert reasons[silent] == (
        f"Directory {silent} (branch.example.com, MicrosoftAD) forwards no security logs to CloudWatch Logs"
    )


def test_a_refused_log_subscription_listing_is_an_error_here_and_radius_is_still_judged(moto_reset: str) -> None:
    # given a Microsoft AD with RADIUS MFA, and a role that may not list log subscriptions
    directory = _microsoft_ad(moto_reset, "corp.example.com")
    _radius(moto_reset, directory)
    built = connector(moto_reset)
    built.session.events.register("before-send.directory-service.ListLogSubscriptions", _refused())
    # when Directory Service is collected and both directory checks run
    inv = built.collect({"directoryservice"})
    # then log forwarding is an error for the directory naming the action SecurityAudit lacks, never a pass, and
    # the RADIUS check still passes
    outcome = only(run(inv, LOG_FORWARDING))
    assert (outcome.resource_id, outcome.status) == (directory, ERROR)
    assert "ListLogSubscriptions failed with AccessDeniedException" in outcome.reason
    assert "lacks ds:ListLogSubscriptions, which SecurityAudit does not grant" in outcome.reason
    assert statuses(run(inv, RADIUS)) == {directory: PASS}


def test_a_region_without_directories_costs_no_log_subscription_listing(moto_reset: str) -> None:
    # given no directory, and a hook counting the log subscription listings
    built = connector(moto_reset)
    listings = answer([lambda: None])
    built.session.events.register("before-send.directory-service.ListLogSubscriptions", listings)
    # when Directory Service is collected
    inv = built.collect({"directoryservice"})
    # then nothing is judged and no listing was asked for
    assert run(inv, LOG_FORWARDING) == []
    assert listings.calls == []


# --- Shield Advanced -------------------------------------------------------------------------------------------------


def _load_balancer(endpoint: str, name: str, scheme: str, subnets: list[str], kind: str = "application") -> str:
    created = aws(endpoint, "elbv2").create_load_balancer(Name=name, Subnets=subnets, Scheme=scheme, Type=kind)
    return str(created["LoadBalancers"][0]["LoadBalancerArn"])


def test_public_albs_pass_only_with_a_shield_advanced_protection(moto_reset: str) -> None:
    # given an unprotected and a protected internet-facing ALB, an internal ALB and a public NLB
    _, subnets = _vpc(moto_reset)
    protected = _load_balancer(moto_reset, "protected", "internet-facing", subnets)
    exposed = _load_balancer(moto_reset, "exposed", "internet-facing", subnets)
    _load_balancer(moto_reset, "internal", "internal", subnets)
    _load_balancer(moto_reset, "network", "internet-facing", subnets, kind="network")
    # when the check runs without a Shield Advanced subscription, then nothing is judged
    assert scan(moto_reset, SHIELD) == []
    # given a subscription and a protection for one ALB
    shield = aws(moto_reset, "shield")
    shield.create_subscription()
    shield.create_protection(Name="protected-alb", ResourceArn=protected)
    # when the check runs again, then only the internet-facing ALBs are judged, and the unprotected one fails
    outcomes = scan(moto_reset, SHIELD)
    assert statuses(outcomes) == {protected: PASS, exposed: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[exposed] == "Internet-facing Application Load Balancer exposed is not protected by Shield Advanced"


def test_a_subscription_protecting_nothing_fails_each_public_alb(moto_reset: str) -> None:
    # given a subscription and a public ALB, with ListProtections answering ResourceNotFoundException as AWS may when
    # nothing is protected
    _, subnets = _vpc(moto_reset)
    exposed = _load_balancer(moto_reset, "exposed", "internet-facing", subnets)
    aws(moto_reset, "shield").create_subscription()
    none = _refused("ResourceNotFoundException", 400)
    inv = _collect_with(moto_reset, SHIELD, "shield.ListProtections", none)
    # when the check runs, then the load balancer fails rather than the read being an error
    assert not inv.errors
    assert statuses(run(inv, SHIELD)) == {exposed: FAIL}


# --- WorkSpaces ------------------------------------------------------------------------------------------------------


def test_workspaces_pass_only_with_both_volumes_encrypted(moto_reset: str) -> None:
    # given a registered directory with a fully encrypted WorkSpace, one with only its root volume encrypted and
    # one with neither
    directory = _microsoft_ad(moto_reset, "corp.example.com")
    workspaces = aws(moto_reset, "workspaces")
    workspaces.register_workspace_directory(DirectoryId=directory, EnableSelfService=False, Tenancy="SHARED")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/workspaces"

    def _workspace(user: str, root: bool, volume: bool) -> str:
        request: dict[str, Any] = {"DirectoryId": directory, "UserName": user, "BundleId": "wsb-bh8rsxt14"}
        if root or volume:
            request.update(
                RootVolumeEncryptionEnabled=root, UserVolumeEncryptionEnabled=volume, VolumeEncryptionKey=key
            )
        return str(workspaces.create_workspaces(Workspaces=[request])["PendingRequests"][0]["WorkspaceId"])

    encrypted = _workspace("alice", True, True)
    root_only = _workspace("bob", True, False)
    plain = _workspace("carol", False, False)
    # when the check runs
    outcomes = scan(moto_reset, WORKSPACES)
    # then only the fully encrypted WorkSpace passes
    assert statuses(outcomes) == {encrypted: PASS, root_only: FAIL, plain: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[encrypted] == f"WorkSpace {encrypted} of alice encrypts its root and user volumes"
    assert reasons[root_only] == f"WorkSpace {root_only} of bob does not encrypt its user volume"
    assert reasons[plain] == f"WorkSpace {plain} of carol does not encrypt its root and user volumes"


def test_a_region_holding_more_workspaces_than_read_says_so(moto_reset: str) -> None:
    # given a region whose WorkSpaces listing was cut short at the collector's limit
    inv = collect(moto_reset, [WORKSPACES])
    inv.data["workspaces"]["regions"][REGION]["truncated_at"] = 5000
    # when the check runs, then the region gets an error outcome
    outcome = only(run(inv, WORKSPACES))
    assert (outcome.status, outcome.region) == (ERROR, REGION)
    assert outcome.reason == f"{REGION} holds more than 5000 WorkSpaces; only the first 5000 were read and judged"


def test_detectors_collected_before_their_administrator_and_features_were_read_are_not_judged(moto_reset: str) -> None:
    # given an enabled detector in an inventory stored before the administrator and features were kept
    aws(moto_reset, "guardduty").create_detector(Enable=True)
    inv = collect(moto_reset, [CENTRAL, EKS_AUDIT])
    detector = inv.data["guardduty"]["regions"][REGION]["detectors"][0]
    for field in ("administrator", "features", "kubernetes_audit_logs"):
        del detector[field]
    # when the checks run, then neither judges it
    assert run(inv, CENTRAL) == [] and run(inv, EKS_AUDIT) == []
