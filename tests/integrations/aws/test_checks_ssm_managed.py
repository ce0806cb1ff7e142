"""Running EC2 instances managed by Systems Manager, their agents reporting through moto's server (moto_additions)."""

from __future__ import annotations

import pytest

from integrations.providers.aws.collectors import ssm as ssm_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    refused_in,
    run,
)
from tests.moto_additions.ssm import agent_reports

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MANAGED = "aws.ec2.instance_managed_by_ssm"
AMI = "ami-12c6146b"


def _instance(endpoint: str, region: str = REGION) -> str:
    launched = aws(endpoint, "ec2", region).run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
    return str(launched["Instances"][0]["InstanceId"])


def test_running_instances_pass_when_their_agent_is_online(moto_reset: str) -> None:
    # given running instances whose agent is online, whose agent lost its connection, and with no agent at all; a
    # stopped instance without an agent; and in the other region an instance whose agent reports to this region only
    online, lost, bare, stopped = (_instance(moto_reset) for _ in range(4))
    elsewhere = _instance(moto_reset, OTHER_REGION)
    agent_reports(moto_reset, REGION, online)
    agent_reports(moto_reset, REGION, lost, "ConnectionLost")
    agent_reports(moto_reset, REGION, elsewhere)
    aws(moto_reset, "ec2").stop_instances(InstanceIds=[stopped])
    # when the check runs over both regions
    outcomes = {o.resource_id: o for o in run(collect(moto_reset, [MANAGED], [REGION, OTHER_REGION]), MANAGED)}
    # then only the instance whose agent is online passes, and the stopped one is not judged
    assert {i: (o.status, o.region) for i, o in outcomes.items()} == {
        online: (PASS, REGION),
        lost: (FAIL, REGION),
        bare: (FAIL, REGION),
        elsewhere: (FAIL, OTHER_REGION),
    }
    assert outcomes[bare].reason == f"Instance {bare} is not managed by Systems Manager: no SSM Agent has registered it"
    assert outcomes[lost].reason.startswith(f"Instance {lost}'s SSM Agent is ConnectionLost, last seen 20")
    assert outcomes[online].observed == {"ping_status": "Online"}


_refuse_other_region = refused_in(
    OTHER_REGION, lambda: json_reply({"__type": "AccessDeniedException", "message": "no"}, status=400)
)


def test_a_refused_listing_is_an_error_for_its_region_alone(moto_reset: str) -> None:
    # given an unmanaged instance in each region, and the managed node listing refused in one
    here, there = _instance(moto_reset), _instance(moto_reset, OTHER_REGION)
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.ssm.DescribeInstanceInformation", _refuse_other_region)
    # when the check runs
    outcomes = run(built.collect({"ec2", "ssm_managed_nodes"}), MANAGED)
    # then the readable region judges its instance and the refused one is one error
    assert sorted((o.region, o.status, o.resource_id) for o in outcomes) == [
        (OTHER_REGION, ERROR, f"{ACCOUNT}/{OTHER_REGION}"),
        (REGION, FAIL, here),
    ]
    assert there not in {o.resource_id for o in outcomes}


def test_nodes_past_the_bound_leave_unlisted_instances_unjudged(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two managed instances and one unmanaged, and a collector reading one node a region
    monkeypatch.setattr(ssm_collector, "MAX_MANAGED_NODES", 1)
    first, second, bare = _instance(moto_reset), _instance(moto_reset), _instance(moto_reset)
    for instance in sorted((first, second)):
        agent_reports(moto_reset, REGION, instance)
    # when the check runs
    outcomes = run(collect(moto_reset, [MANAGED]), MANAGED)
    # then the node read passes, the instances that may be among those unread are not failed, and the region says so
    assert sorted(o.status for o in outcomes) == sorted([PASS, ERROR])
    assert "more than 1 managed nodes" in next(o for o in outcomes if o.status == ERROR).reason
    assert bare not in {o.resource_id for o in outcomes}
