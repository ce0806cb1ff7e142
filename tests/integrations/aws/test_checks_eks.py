"""EKS checks against moto: API endpoint exposure and control-plane logging."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, connector, json_reply, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks"
AUDIT_LOGS = ["api", "audit", "authenticator"]
# Kubernetes versions of the support calendar test: unlisted and old, listed, listed, unlisted and new.
VERSIONS = ("1.27", "1.31", "1.33", "1.36")


def _cluster(endpoint: str, name: str, vpc: dict[str, Any], logs: list[str] | None = None) -> str:
    params: dict[str, Any] = {
        "name": name,
        "roleArn": ROLE,
        "resourcesVpcConfig": {"subnetIds": ["subnet-1"], **vpc},
    }
    if logs:
        params["logging"] = {"clusterLogging": [{"types": logs, "enabled": True}]}
    return str(aws(endpoint, "eks").create_cluster(**params)["cluster"]["arn"])


def test_cluster_endpoints_must_not_face_the_whole_internet(moto_reset: str) -> None:
    # given a private-only cluster, one public but limited to a corporate range, and two open to anyone
    private = _cluster(moto_reset, "private", {"endpointPublicAccess": False, "endpointPrivateAccess": True})
    limited = _cluster(moto_reset, "limited", {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})
    explicit = _cluster(moto_reset, "explicit", {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]})
    defaults = _cluster(moto_reset, "defaults", {})
    # when the check runs on what was collected
    outcomes = run(collect(moto_reset, ["aws.eks.endpoint_not_public"]), "aws.eks.endpoint_not_public")
    # then only the clusters reachable from anywhere fail (AWS's default is a public endpoint open to all)
    assert statuses(outcomes) == {private: PASS, limited: PASS, explicit: FAIL, defaults: FAIL}
    assert next(o for o in outcomes if o.resource_id == limited).observed["public_access_cidrs"] == ["203.0.113.0/24"]


def test_clusters_let_their_nodes_reach_the_api_privately(moto_reset: str) -> None:
    # given a private-only cluster, one with both endpoints, and one public only (AWS's default)
    private = _cluster(moto_reset, "private", {"endpointPublicAccess": False, "endpointPrivateAccess": True})
    both = _cluster(moto_reset, "both", {"endpointPublicAccess": True, "endpointPrivateAccess": True})
    public = _cluster(moto_reset, "public", {})
    # when the check runs
    outcomes = run(collect(moto_reset, ["aws.eks.private_endpoint_enabled"]), "aws.eks.private_endpoint_enabled")
    # then the public-only cluster fails, saying why
    assert statuses(outcomes) == {private: PASS, both: PASS, public: FAIL}
    assert next(o for o in outcomes if o.resource_id == public).reason == (
        "Cluster public has private endpoint access off: its nodes reach the API over the public endpoint"
    )


def test_clusters_log_api_audit_and_authenticator_events(moto_reset: str) -> None:
    # given a cluster logging every required type, one missing the authenticator log, and one logging nothing
    full = _cluster(moto_reset, "full", {}, [*AUDIT_LOGS, "scheduler"])
    partial = _cluster(moto_reset, "partial", {}, ["api", "audit"])
    silent = _cluster(moto_reset, "silent", {})
    # when the check runs
    outcomes = run(collect(moto_reset, ["aws.eks.control_plane_logging"]), "aws.eks.control_plane_logging")
    # then the partial and silent clusters fail, naming what is missing
    assert statuses(outcomes) == {full: PASS, partial: FAIL, silent: FAIL}
    assert next(o for o in outcomes if o.resource_id == partial).observed["missing_log_types"] == ["authenticator"]


def test_a_refused_eks_call_becomes_an_error_for_the_eks_checks(moto_reset: str) -> None:
    # given a cluster, and ListClusters denied
    _cluster(moto_reset, "any", {})
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.eks.ListClusters",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when EKS is collected
    inventory = built.collect({"eks"})
    # then the EKS checks answer one error naming the refusal, instead of judging nothing as passing
    for check_id in (
        "aws.eks.endpoint_not_public",
        "aws.eks.private_endpoint_enabled",
        "aws.eks.control_plane_logging",
    ):
        outcomes = run(inventory, check_id)
        assert [o.status for o in outcomes] == [ERROR], check_id
        assert "AccessDeniedException" in outcomes[0].reason and REGION in outcomes[0].reason


def _versioned(endpoint: str, name: str, version: str, **settings: Any) -> str:
    created = aws(endpoint, "eks").create_cluster(
        name=name, version=version, roleArn=ROLE, resourcesVpcConfig={"subnetIds": ["subnet-1"]}, **settings
    )
    return str(created["cluster"]["arn"])


def test_kubernetes_secrets_are_encrypted_with_a_kms_key(moto_reset: str) -> None:
    # given a cluster whose secrets are envelope-encrypted with a KMS key, and one without an encryption config
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    sealed = _versioned(
        moto_reset, "sealed", "1.33", encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}]
    )
    plain = _versioned(moto_reset, "plain", "1.33")
    # when the secrets check runs
    outcomes = run(collect(moto_reset, ["aws.eks.secrets_encrypted_with_kms"]), "aws.eks.secrets_encrypted_with_kms")
    # then the first passes naming its key and the second fails
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}
    assert next(o for o in outcomes if o.resource_id == sealed).observed == {"kms_key": key}


def _judged_at(endpoint: str, when: str) -> Any:
    """An EKS collection from moto, dated ``when`` (the check judges support at the collection's time)."""
    inventory = collect(endpoint, ["aws.eks.version_in_standard_support"])
    inventory.data["eks"]["regions"][REGION]["collected_at"] = when
    return inventory


def test_kubernetes_versions_are_judged_against_the_support_calendar_at_scan_time(moto_reset: str) -> None:
    # given clusters on 1.27 (unlisted, older than ended 1.29), 1.31, 1.33, and 1.36 (unlisted, newer than 1.35)
    arns = {version: _versioned(moto_reset, f"k{version.replace('.', '-')}", version) for version in VERSIONS}
    check = "aws.eks.version_in_standard_support"
    # when the check runs on a collection made on 2026-01-15 and on one made on 2026-08-01
    january = statuses(run(_judged_at(moto_reset, "2026-01-15T00:00:00+00:00"), check))
    august = run(_judged_at(moto_reset, "2026-08-01T00:00:00+00:00"), check)
    # then in January 1.31 is past standard support (ended 2025-11-26) and 1.33 is within it; by August 1.33 has
    # left it too (2026-07-29); 1.27 is past it and 1.36 within it on both dates
    assert january == {arns["1.27"]: FAIL, arns["1.31"]: FAIL, arns["1.33"]: PASS, arns["1.36"]: PASS}
    assert statuses(august) == {arns["1.27"]: FAIL, arns["1.31"]: FAIL, arns["1.33"]: FAIL, arns["1.36"]: PASS}
    by_arn = {o.resource_id: o for o in august}
    assert by_arn[arns["1.33"]].reason == (
        "Cluster k1-33 runs Kubernetes 1.33, which is past EKS standard support (standard support ended 2026-07-29)"
    )
    assert by_arn[arns["1.27"]].reason == (
        "Cluster k1-27 runs Kubernetes 1.27, which is past EKS standard support "
        "(older than 1.29, whose standard support ended 2025-03-23)"
    )
    assert by_arn[arns["1.33"]].observed == {"version": "1.33", "judged_at": "2026-08-01"}


def test_an_unlisted_version_the_calendar_cannot_place_is_an_error(moto_reset: str) -> None:
    # given a cluster on 1.36, newer than every listed version, judged after the newest listed one (1.35) left
    # standard support: the calendar no longer says whether 1.36 is still in it
    arn = _versioned(moto_reset, "next", "1.36")
    # when the check runs on a collection made in April 2027
    outcomes = run(_judged_at(moto_reset, "2027-04-01T00:00:00+00:00"), "aws.eks.version_in_standard_support")
    # then the cluster gets an error, not a pass or a fail
    assert [(o.resource_id, o.status) for o in outcomes] == [(arn, ERROR)]
    assert "not in the support table" in outcomes[0].reason


def test_clusters_pass_only_with_deletion_protection(moto_reset: str) -> None:
    # given a cluster made with deletion protection, one made without, and one given it afterwards
    check = "aws.eks.deletion_protection"
    guarded = _versioned(moto_reset, "guarded", "1.33", deletionProtection=True)
    bare = _versioned(moto_reset, "bare", "1.33")
    later = _versioned(moto_reset, "later", "1.33")
    aws(moto_reset, "eks").update_cluster_config(name="later", deletionProtection=True)
    # when the check runs
    outcomes = run(collect(moto_reset, [check]), check)
    # then only the cluster without it fails
    assert statuses(outcomes) == {guarded: PASS, bare: FAIL, later: PASS}
    assert next(o for o in outcomes if o.resource_id == bare).reason == "Cluster bare does not have deletion protection"
