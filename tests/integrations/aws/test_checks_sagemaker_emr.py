"""SageMaker notebook instance checks and EMR cluster checks against moto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from integrations.providers.aws.client import AwsConnector
from integrations.providers.aws.collectors import emr as emr_collector
from integrations.providers.aws.collectors import sagemaker as sagemaker_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    emr_by_region,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
NOTEBOOK_CHECKS = [
    "aws.sagemaker.notebook_no_direct_internet_access",
    "aws.sagemaker.notebook_root_access_disabled",
    "aws.sagemaker.notebook_kms_encrypted",
    "aws.sagemaker.notebook_in_vpc",
]
CLUSTER_CHECKS = ["aws.emr.cluster_encryption_enabled", "aws.emr.cluster_logging_enabled"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/notebooks"


def _refusing(endpoint: str, event: str, code: str = "AccessDeniedException", message: str = "denied") -> AwsConnector:
    """A connector to which AWS answers every ``event`` request (``before-send.<service>.<Operation>``) with the
    error ``code``."""
    built = connector(endpoint)
    refusal = json_reply({"__type": code, "Message": message}, 400)
    built.session.events.register(event, lambda **_: refusal)
    return built


# --- sagemaker -----------------------------------------------------------------------------------------------------


def _notebook(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create notebook instance ``name`` (create_notebook_instance's own ``settings``) and return its ARN."""
    created = aws(endpoint, "sagemaker", region).create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **settings
    )
    return str(created["NotebookInstanceArn"])


def _default_subnet(endpoint: str, region: str = REGION) -> str:
    ec2 = aws(endpoint, "ec2", region)
    return str(ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"])


def test_notebook_checks_pass_a_hardened_instance_and_fail_an_open_one(moto_reset: str) -> None:
    # given a notebook in a VPC subnet without direct internet access or root, its volume under a KMS key; and one
    # outside any VPC, with direct internet access, root for its users and no key named
    subnet = _default_subnet(moto_reset)
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    group = aws(moto_reset, "ec2").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    hardened = _notebook(
        moto_reset,
        "research",
        SubnetId=subnet,
        SecurityGroupIds=[group],
        DirectInternetAccess="Disabled",
        RootAccess="Disabled",
        KmsKeyId=key,
    )
    open_ = _notebook(moto_reset, "scratch", DirectInternetAccess="Enabled", RootAccess="Enabled")
    # when the four notebook checks run on one collection
    collected = collect(moto_reset, NOTEBOOK_CHECKS)
    # then the hardened notebook passes all four and the open one fails all four
    assert {cid: statuses(run(collected, cid)) for cid in NOTEBOOK_CHECKS} == {
        cid: {hardened: PASS, open_: FAIL} for cid in NOTEBOOK_CHECKS
    }
    # and the reasons name the notebook and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in NOTEBOOK_CHECKS for o in run(collected, cid)}
    research, scratch = "SageMaker notebook instance research", "SageMaker notebook instance scratch"
    assert reasons[(NOTEBOOK_CHECKS[0], hardened)] == f"{research} has direct internet access disabled"
    assert reasons[(NOTEBOOK_CHECKS[0], open_)] == f"{scratch} has direct internet access enabled"
    assert (
        reasons[(NOTEBOOK_CHECKS[1], hardened)]
        == f"{research} does not give its users root access (RootAccess Disabled)"
    )
    assert reasons[(NOTEBOOK_CHECKS[1], open_)] == f"{scratch} gives its users root access (RootAccess Enabled)"
    assert reasons[(NOTEBOOK_CHECKS[2], hardened)] == f"{research} encrypts its storage volume with KMS key {key}"
    assert reasons[(NOTEBOOK_CHECKS[2], open_)] == f"{scratch} names no KMS key for its storage volume"
    assert reasons[(NOTEBOOK_CHECKS[3], hardened)] == f"{research} is placed in subnet {subnet}"
    assert reasons[(NOTEBOOK_CHECKS[3], open_)] == f"{scratch} is in no VPC subnet (it runs in SageMaker's own network)"


def test_a_notebook_created_with_the_defaults_fails_each_check_in_its_own_region(moto_reset: str) -> None:
    # given, in the other region only, a notebook created with nothing but its name, type and role
    defaults = _notebook(moto_reset, "quickstart", region=OTHER_REGION)
    # when the notebook checks run over both regions
    collected = collect(moto_reset, NOTEBOOK_CHECKS, regions=[REGION, OTHER_REGION])
    outcomes = {cid: only(run(collected, cid)) for cid in NOTEBOOK_CHECKS}
    # then each check fails it, in that region: direct internet access is on by default, and an unreported root
    # access setting is SageMaker's default, Enabled
    assert {(o.resource_id, o.region, o.status) for o in outcomes.values()} == {(defaults, OTHER_REGION, FAIL)}
    root = outcomes["aws.sagemaker.notebook_root_access_disabled"]
    assert root.reason == (
        "SageMaker notebook instance quickstart gives its users root access (RootAccess not set, so Enabled by default)"
    )
    assert root.observed == {"root_access": "Enabled"}


LIFECYCLE = "aws.sagemaker.lifecycle_config_no_secrets"


def _lifecycle_config(endpoint: str, name: str, on_start: str, on_create: str | None = None) -> str:
    def script(text: str) -> list[dict[str, str]]:
        return [{"Content": base64.b64encode(text.encode()).decode()}]

    created = aws(endpoint, "sagemaker").create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name,
        OnStart=script(on_start),
        **({"OnCreate": script(on_create)} if on_create else {}),
    )
    return str(created["NotebookInstanceLifecycleConfigArn"])


def test_lifecycle_scripts_fail_when_they_hold_credentials_and_unused_ones_are_not_read(moto_reset: str) -> None:
    # given a lifecycle configuration fetching its token from Secrets Manager, one writing an access key pair into its
    # OnStart script (used by two notebooks), and one no notebook uses
    clean = _lifecycle_config(
        moto_reset, "fetch-token", "TOKEN=$(aws secretsmanager get-secret-value --secret-id git --query SecretString)"
    )
    leaky = _lifecycle_config(
        moto_reset,
        "pip-setup",
        "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        on_create="pip install pandas",
    )
    _lifecycle_config(moto_reset, "unused", "export PASSWORD=hunter2-hunter2")
    _notebook(moto_reset, "analysis", LifecycleConfigName="fetch-token")
    _notebook(moto_reset, "training", LifecycleConfigName="pip-setup")
    _notebook(moto_reset, "scratch", LifecycleConfigName="pip-setup")
    _notebook(moto_reset, "plain")
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, LIFECYCLE)}
    # then each configuration a notebook uses is judged once, and the one holding the key pair fails naming the lines
    assert {arn: o.status for arn, o in outcomes.items()} == {clean: PASS, leaky: FAIL}
    assert outcomes[leaky].reason == (
        "SageMaker lifecycle configuration pip-setup's scripts hold credential-looking values: OnStart "
        "aws_access_key_id (line 2), OnStart aws_secret_access_key (line 3)"
    )
    assert outcomes[leaky].observed["notebooks"] == ["scratch", "training"]
    assert outcomes[clean].reason == (
        "SageMaker lifecycle configuration fetch-token's scripts hold nothing that looks like a credential"
    )


def test_a_lifecycle_config_that_cannot_be_described_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a hardened notebook using a lifecycle configuration SageMaker refuses to describe
    _lifecycle_config(moto_reset, "fetch-token", "echo ready")
    arn = _notebook(moto_reset, "analysis", LifecycleConfigName="fetch-token", DirectInternetAccess="Disabled")
    built = _refusing(moto_reset, "before-send.sagemaker.DescribeNotebookInstanceLifecycleConfig")
    collected = built.collect({"sagemaker"})
    # when the checks run, then the lifecycle check is an error naming the configuration
    outcome = only(run(collected, LIFECYCLE))
    assert (outcome.resource_id, outcome.status) == ("fetch-token", ERROR)
    assert outcome.reason.startswith("Could not describe SageMaker lifecycle configuration fetch-token: ")
    # and the notebook is still judged
    assert statuses(run(collected, "aws.sagemaker.notebook_no_direct_internet_access")) == {arn: PASS}


def test_a_notebook_that_cannot_be_described_is_an_error_for_it_only(moto_reset: str) -> None:
    # given a notebook SageMaker refuses to describe
    arn = _notebook(moto_reset, "guarded", DirectInternetAccess="Disabled")
    built = _refusing(moto_reset, "before-send.sagemaker.DescribeNotebookInstance")
    # when SageMaker is collected and the notebook checks run
    collected = built.collect({"sagemaker"})
    # then the service collected, and each check reports an error for that notebook, naming the refusal
    assert collected.errors == {}
    for cid in NOTEBOOK_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (arn, ERROR)
        assert "DescribeNotebookInstance failed with AccessDeniedException" in outcome.reason


def test_a_notebook_deleted_since_the_listing_is_not_judged(moto_reset: str) -> None:
    # given a listed notebook that SageMaker no longer knows when it is described (its answer for a deleted one)
    _notebook(moto_reset, "gone")
    built = _refusing(
        moto_reset, "before-send.sagemaker.DescribeNotebookInstance", "ValidationException", "RecordNotFound"
    )
    # when SageMaker is collected
    collected = built.collect({"sagemaker"})
    # then the notebook is left out rather than judged or reported as an error
    assert collected.errors == {}
    assert all(run(collected, cid) == [] for cid in NOTEBOOK_CHECKS)


def test_notebooks_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three notebooks in a VPC subnet, and a collector that reads at most two per region
    monkeypatch.setattr(sagemaker_collector, "MAX_NOTEBOOK_INSTANCES", 2)
    subnet = _default_subnet(moto_reset)
    for name in ("first", "second", "third"):
        _notebook(moto_reset, name, SubnetId=subnet)
    # when the VPC check runs
    outcomes = scan(moto_reset, "aws.sagemaker.notebook_in_vpc")
    # then two notebooks are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 2 notebook instances; only the first 2 were read and judged"


# --- emr -----------------------------------------------------------------------------------------------------------


def _security_configuration(endpoint: str, name: str, *, at_rest: bool, in_transit: bool) -> str:
    encryption: dict[str, Any] = {"EnableAtRestEncryption": at_rest, "EnableInTransitEncryption": in_transit}
    if at_rest:
        encryption["AtRestEncryptionConfiguration"] = {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}}
    if in_transit:
        certificates = {"CertificateProviderType": "PEM", "S3Object": "s3://emr-certs/certs.zip"}
        encryption["InTransitEncryptionConfiguration"] = {"TLSCertificateConfiguration": certificates}
    document = json.dumps({"EncryptionConfiguration": encryption})
    aws(endpoint, "emr").create_security_configuration(Name=name, SecurityConfiguration=document)
    return name


def _cluster(endpoint: str, name: str, region: str = REGION, **settings: Any) -> tuple[str, str]:
    """Start a long-running cluster ``name`` (run_job_flow's own ``settings``); its id and ARN."""
    started = aws(endpoint, "emr", region).run_job_flow(
        Name=name,
        ReleaseLabel="emr-7.1.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        **settings,
    )
    return str(started["JobFlowId"]), str(started["ClusterArn"])


def test_cluster_checks_pass_a_hardened_cluster_and_fail_a_bare_one(moto_reset: str) -> None:
    # given a cluster launched with a security configuration encrypting at rest and in transit and a log URI, and a
    # cluster launched with neither
    encrypted = _security_configuration(moto_reset, "encrypt-all", at_rest=True, in_transit=True)
    hardened_id, hardened = _cluster(moto_reset, "etl", SecurityConfiguration=encrypted, LogUri="s3://emr-logs/etl/")
    bare_id, bare = _cluster(moto_reset, "adhoc")
    # when the two cluster checks run on one collection
    collected = collect(moto_reset, CLUSTER_CHECKS)
    # then the hardened cluster passes both and the bare one fails both
    assert {cid: statuses(run(collected, cid)) for cid in CLUSTER_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in CLUSTER_CHECKS
    }
    # and the reasons name the cluster and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in CLUSTER_CHECKS for o in run(collected, cid)}
    etl, adhoc = f"EMR cluster etl ({hardened_id})", f"EMR cluster adhoc ({bare_id})"
    assert reasons[(CLUSTER_CHECKS[0], hardened)] == (
        f"{etl} encrypts data at rest and in transit (security configuration encrypt-all)"
    )
    assert reasons[(CLUSTER_CHECKS[0], bare)] == (
        f"{adhoc} has no security configuration, so its data is encrypted neither at rest nor in transit"
    )
    assert reasons[(CLUSTER_CHECKS[1], hardened)] == f"{etl} archives its logs to s3://emr-logs/etl/"
    assert reasons[(CLUSTER_CHECKS[1], bare)] == f"{adhoc} has no log URI, so its logs are lost when it terminates"


def test_a_security_configuration_must_turn_on_both_kinds_of_encryption(moto_reset: str) -> None:
    # given clusters whose security configurations encrypt only at rest, only in transit, or neither
    configurations = {"rest-only": (True, False), "wire-only": (False, True), "plain": (False, False)}
    arns = {}
    for name, (at_rest, in_transit) in configurations.items():
        _security_configuration(moto_reset, name, at_rest=at_rest, in_transit=in_transit)
        arns[name] = _cluster(moto_reset, f"on-{name}", SecurityConfiguration=name)[1]
    rest, wire, none = arns["rest-only"], arns["wire-only"], arns["plain"]
    # when the encryption check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.emr.cluster_encryption_enabled")}
    # then all three fail, each saying what its configuration leaves off
    assert {arn: o.status for arn, o in outcomes.items()} == {rest: FAIL, wire: FAIL, none: FAIL}
    assert outcomes[rest].reason.endswith(
        "has security configuration rest-only, which leaves encryption in transit off"
    )
    assert outcomes[wire].reason.endswith("has security configuration wire-only, which leaves encryption at rest off")
    assert outcomes[none].reason.endswith(
        "has security configuration plain, which leaves encryption at rest and in transit off"
    )
    assert outcomes[rest].observed == {
        "security_configuration": "rest-only",
        "at_rest_encryption": True,
        "in_transit_encryption": False,
    }


def test_terminated_clusters_are_not_judged(moto_reset: str) -> None:
    # given a running cluster and one that was terminated
    running = _cluster(moto_reset, "running", LogUri="s3://emr-logs/running/")[1]
    done_id, _ = _cluster(moto_reset, "done")
    aws(moto_reset, "emr").terminate_job_flows(JobFlowIds=[done_id])
    # when the logging check runs
    # then only the running cluster is judged
    assert statuses(scan(moto_reset, "aws.emr.cluster_logging_enabled")) == {running: PASS}


def test_a_security_configuration_that_cannot_be_used_is_an_error_for_the_encryption_check_only(
    moto_reset: str,
) -> None:
    # given a cluster whose security configuration is not JSON (moto stores it as given), and one whose
    # configuration EMR refuses to describe
    aws(moto_reset, "emr").create_security_configuration(Name="garbled", SecurityConfiguration="not json")
    garbled = _cluster(moto_reset, "garbled", SecurityConfiguration="garbled", LogUri="s3://emr-logs/g/")[1]
    _security_configuration(moto_reset, "secret", at_rest=True, in_transit=True)
    hidden = _cluster(moto_reset, "hidden", SecurityConfiguration="secret", LogUri="s3://emr-logs/h/")[1]
    built = connector(moto_reset)

    def refuse_secret(request: Any = None, **_: Any) -> Any:
        if b'"secret"' in request.body:
            return json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
        return None

    built.session.events.register("before-send.emr.DescribeSecurityConfiguration", refuse_secret)
    # when EMR is collected and both cluster checks run
    collected = built.collect({"emr"})
    encryption = {o.resource_id: o for o in run(collected, "aws.emr.cluster_encryption_enabled")}
    # then the encryption check reports an error for each, saying why, and the logging check still judges both
    assert {arn: o.status for arn, o in encryption.items()} == {garbled: ERROR, hidden: ERROR}
    assert encryption[garbled].reason.endswith("its JSON document could not be parsed")
    assert "DescribeSecurityConfiguration failed with AccessDeniedException" in encryption[hidden].reason
    assert statuses(run(collected, "aws.emr.cluster_logging_enabled")) == {garbled: PASS, hidden: PASS}


def test_a_cluster_that_cannot_be_described_is_an_error_for_both_checks(moto_reset: str) -> None:
    # given a cluster EMR refuses to describe
    cid, arn = _cluster(moto_reset, "locked", LogUri="s3://emr-logs/locked/")
    built = _refusing(moto_reset, "before-send.emr.DescribeCluster")
    # when EMR is collected and both cluster checks run
    collected = built.collect({"emr"})
    # then each reports an error for the cluster, naming it and the refusal
    for check_id in CLUSTER_CHECKS:
        outcome = only(run(collected, check_id))
        assert (outcome.resource_id, outcome.status) == (arn, ERROR)
        assert outcome.reason.startswith(f"Could not describe EMR cluster locked ({cid}): DescribeCluster failed")


def test_clusters_are_judged_in_their_own_region_only(moto_reset: str) -> None:
    # given a cluster in the other region only, and a connector scanning both regions
    arn = _cluster(moto_reset, "west", region=OTHER_REGION)[1]
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.emr", emr_by_region)
    # when EMR is collected and the logging check runs
    outcome = only(run(built.collect({"emr"}), "aws.emr.cluster_logging_enabled"))
    # then the cluster is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_clusters_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given two clusters logging to S3, and a collector that reads at most one active cluster per region
    monkeypatch.setattr(emr_collector, "MAX_CLUSTERS", 1)
    for name in ("first", "second"):
        _cluster(moto_reset, name, LogUri=f"s3://emr-logs/{name}/")
    # when the logging check runs
    outcomes = scan(moto_reset, "aws.emr.cluster_logging_enabled")
    # then one cluster is judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert "more than 1 active EMR clusters" in bound.reason
