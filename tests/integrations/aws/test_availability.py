"""Regions that do not offer a service are not collected for it (botocore's endpoint data), so its checks give no
error there; regions botocore does not know are collected as configured."""

from __future__ import annotations

from integrations.providers.aws.availability import offered
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, connector, run

# A region AWS runs EC2 in but not MemoryDB, DAX or Glacier (botocore's endpoint data).
NO_MEMORYDB = "me-central-1"
MULTI_AZ = "aws.memorydb.cluster_multi_az"


def test_a_service_is_offered_where_botocore_lists_it_and_wherever_it_cannot_tell() -> None:
    assert offered("memorydb", REGION) is True
    assert offered("memorydb", NO_MEMORYDB) is False
    assert offered("dax", NO_MEMORYDB) is False
    assert offered("ec2", NO_MEMORYDB) is True
    # a region botocore does not know (newer than it, or invented) is collected as configured
    assert offered("memorydb", "ap-nowhere-9") is True
    # a service read only through global clients, or one the connector does not know, is not judged here
    assert offered("iam", NO_MEMORYDB) is True
    assert offered("no-such-service", NO_MEMORYDB) is True


def test_a_region_without_the_service_is_left_out_of_its_collection_and_its_checks(moto_reset: str) -> None:
    # given a MemoryDB cluster in a region that offers MemoryDB, and a scan of that region and one that does not
    cluster = aws(moto_reset, "memorydb").create_cluster(
        ClusterName="sessions", NodeType="db.t4g.small", ACLName="open-access"
    )["Cluster"]["ARN"]
    built = connector(moto_reset, regions=[REGION, NO_MEMORYDB])
    # when MemoryDB and EC2 are collected
    inventory = built.collect({"memorydb", "ec2"})
    # then MemoryDB is read in the first region only and the other is named as not offering it, with no error
    assert set(inventory.data["memorydb"]["regions"]) == {REGION}
    assert inventory.data["memorydb"]["not_offered"] == [NO_MEMORYDB]
    assert "memorydb" not in inventory.region_errors and "memorydb" not in inventory.errors
    # and EC2, offered in both, is read in both
    assert set(inventory.data["ec2"]["regions"]) == {REGION, NO_MEMORYDB}
    # and the MemoryDB checks judge the cluster, giving the region without MemoryDB no outcome at all
    outcomes = run(inventory, MULTI_AZ)
    assert [(o.resource_id, o.region) for o in outcomes] == [(cluster, REGION)]
    assert all(o.status != OutcomeStatus.ERROR for o in outcomes)


def test_units_of_a_split_collection_merge_what_was_not_offered(moto_reset: str) -> None:
    # given the collection planned in units (one per region), as the scan engine runs it
    built = connector(moto_reset, regions=[REGION, NO_MEMORYDB])
    units = [u for u in built.plan({"memorydb"}) if u.region]
    # when each unit is collected and merged
    merged = built.collect_unit(units[0])
    for unit in units[1:]:
        merged.absorb(built.collect_unit(unit))
    # then the merged inventory holds the offering region's data and names the other
    assert set(merged.data["memorydb"]["regions"]) == {REGION}
    assert merged.data["memorydb"]["not_offered"] == [NO_MEMORYDB]
