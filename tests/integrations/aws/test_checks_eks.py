"""EKS checks against moto: API endpoint exposure and control-plane logging."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, connector, json_reply, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks"
AUDIT_LOGS = ["api", "audit", "authenticator"]


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
    # then both EKS checks answer one error naming the refusal, instead of judging nothing as passing
    for check_id in ("aws.eks.endpoint_not_public", "aws.eks.control_plane_logging"):
        outcomes = run(inventory, check_id)
        assert [o.status for o in outcomes] == [ERROR], check_id
        assert "AccessDeniedException" in outcomes[0].reason and REGION in outcomes[0].reason
