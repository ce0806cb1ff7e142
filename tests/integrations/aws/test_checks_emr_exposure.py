"""EMR master nodes' public addresses and reachability from the internet, against moto (tests.moto_additions.emr)."""

from __future__ import annotations

from typing import Any

from integrations.providers.aws.checks.emr import public_master
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, collect, inventory, run

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ADDRESS = "aws.emr.cluster_master_no_public_address"
REACHABLE = "aws.emr.cluster_not_publicly_accessible"


def _subnet(endpoint: str, cidr: str, *, public: bool) -> str:
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock=cidr.replace("/24", "/16"))["Vpc"]["VpcId"]
    subnet = str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"])
    if public:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    return subnet


def _cluster(endpoint: str, name: str, subnet: str) -> tuple[str, str, str]:
    """A long-running cluster in ``subnet``: its id, ARN and the master security group EMR made for it."""
    emr = aws(endpoint, "emr")
    started = emr.run_job_flow(
        Name=name,
        ReleaseLabel="emr-7.1.0",
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
            "Ec2SubnetId": subnet,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )
    cluster_id = str(started["JobFlowId"])
    master = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Ec2InstanceAttributes"][
        "EmrManagedMasterSecurityGroup"
    ]
    return cluster_id, str(started["ClusterArn"]), str(master)


def test_masters_in_private_subnets_pass_and_public_ones_open_to_the_internet_fail(moto_reset: str) -> None:
    # given a cluster in a private subnet (its master group open to the world all the same), one in a public subnet
    # whose master group admits SSH from anywhere, and one in a public subnet whose master group admits only a
    # private range
    _, private, private_group = _cluster(moto_reset, "private", _subnet(moto_reset, "10.1.1.0/24", public=False))
    exposed_id, exposed, exposed_group = _cluster(
        moto_reset, "exposed", _subnet(moto_reset, "10.2.1.0/24", public=True)
    )
    _, guarded, guarded_group = _cluster(moto_reset, "guarded", _subnet(moto_reset, "10.3.1.0/24", public=True))
    ec2 = aws(moto_reset, "ec2")
    for group, source in ((private_group, "0.0.0.0/0"), (exposed_group, "0.0.0.0/0"), (guarded_group, "10.0.0.0/8")):
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": source}]}],
        )
    # when both checks run on one collection
    collected = collect(moto_reset, [ADDRESS, REACHABLE])
    address = {o.resource_id: o for o in run(collected, ADDRESS)}
    reachable = {o.resource_id: o for o in run(collected, REACHABLE)}
    # then the private master passes both; the public ones fail the address check, and only the open one fails both
    assert {arn: o.status for arn, o in address.items()} == {private: PASS, exposed: FAIL, guarded: FAIL}
    assert {arn: o.status for arn, o in reachable.items()} == {private: PASS, exposed: FAIL, guarded: PASS}
    assert address[private].reason.endswith("has a master node with a private address only")
    assert reachable[exposed].reason == (
        f"EMR cluster exposed ({exposed_id}) has a public master node reachable from the internet: "
        f"{exposed_group} admits 0.0.0.0/0"
    )
    assert reachable[exposed].observed == {"open_groups": [exposed_group]}


def _kept(**cluster: Any) -> Any:
    base = {"id": "j-1", "arn": "arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-1", "name": "etl"}
    return inventory(
        emr={"regions": {REGION: {"clusters": [{**base, "region": REGION, **cluster}]}}},
        ec2={"regions": {REGION: {"security_groups": [], "instances": []}}},
    )


def test_a_master_group_missing_from_the_inventory_is_an_error_and_a_starting_cluster_is_not_judged() -> None:
    # given a public master whose group the region's listing lacks, and a cluster whose master is not up yet
    missing = _kept(master_public_dns="ec2-3-4-5-6.compute-1.amazonaws.com", master_security_groups=["sg-gone"])
    starting = _kept(master_public_dns=None, master_security_groups=["sg-gone"])
    # when the checks run, then the first is an error naming the group, and the second yields nothing
    outcome = run(missing, REACHABLE)[0]
    assert (outcome.status, outcome.reason) == (
        ERROR,
        "EMR cluster etl (j-1): its master security group sg-gone was not found among the region's groups",
    )
    assert run(starting, REACHABLE) == [] and run(starting, ADDRESS) == []


def test_addresses_are_told_apart_by_ip_and_internal_domain() -> None:
    assert public_master("ec2-3-4-5-6.compute-1.amazonaws.com")
    assert public_master("52.1.2.3")
    assert not public_master("ip-10-0-1-4.ec2.internal")
    assert not public_master("ip-10-0-1-4.eu-west-1.compute.internal")
    assert not public_master("10.0.1.4")
