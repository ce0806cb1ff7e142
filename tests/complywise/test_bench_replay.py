"""The benchmark's replaying fake AWS (``bench.replay``) in front of a real moto server, read through boto3."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator

import boto3
import pytest

from bench.replay import RESET_PATH, STATS_PATH, Recorder, Server, handler_for


@pytest.fixture
def replay(moto_reset: str) -> Iterator[str]:
    server = Server(("127.0.0.1", 0), handler_for(Recorder(moto_reset)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _stats(endpoint: str) -> dict[str, int]:
    with urllib.request.urlopen(endpoint + STATS_PATH, timeout=10) as answer:
        return json.load(answer)


def test_a_repeated_read_is_answered_as_moto_first_answered_it(moto_reset, replay):
    # Given a bucket in moto and an S3 client that goes through the replay
    boto3.client("s3", endpoint_url=moto_reset, region_name="us-east-1").create_bucket(Bucket="kept")
    s3 = boto3.client("s3", endpoint_url=replay, region_name="us-east-1")
    # When the same reads are made twice (a REST GET, a HEAD and an error answer)
    first = (s3.list_buckets()["Buckets"], s3.head_bucket(Bucket="kept")["ResponseMetadata"]["HTTPStatusCode"])
    with pytest.raises(s3.exceptions.ClientError) as missing:
        s3.get_bucket_policy(Bucket="kept")
    # ... and moto changes in between, which the replay no longer asks about
    boto3.client("s3", endpoint_url=moto_reset, region_name="us-east-1").create_bucket(Bucket="later")
    second = (s3.list_buckets()["Buckets"], s3.head_bucket(Bucket="kept")["ResponseMetadata"]["HTTPStatusCode"])
    with pytest.raises(s3.exceptions.ClientError) as again:
        s3.get_bucket_policy(Bucket="kept")
    # Then the second round is moto's first answers, parsed by boto3 as they were
    assert [b["Name"] for b in first[0]] == ["kept"]
    assert second == first and first[1] == 200
    assert missing.value.response["Error"]["Code"] == again.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    assert _stats(replay) == {"hits": 3, "misses": 3, "entries": 3}
    # and once reset (a new account), the replay asks moto again
    urllib.request.urlopen(urllib.request.Request(replay + RESET_PATH, method="POST"), timeout=10).close()
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["kept", "later"]


def test_the_region_and_the_json_target_are_part_of_what_is_asked(moto_reset, replay):
    # Given a security group in one region only, and a KMS key there
    direct = boto3.client("ec2", endpoint_url=moto_reset, region_name="eu-west-1")
    vpc = direct.describe_vpcs()["Vpcs"][0]["VpcId"]
    direct.create_security_group(GroupName="only-here", Description="x", VpcId=vpc)
    key_id = boto3.client("kms", endpoint_url=moto_reset, region_name="eu-west-1").create_key()["KeyMetadata"]["KeyId"]

    # When the same describe is asked in two regions, and two JSON operations share a path and an empty body
    def names(region: str) -> list[str]:
        ec2 = boto3.client("ec2", endpoint_url=replay, region_name=region)
        return sorted(g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"])

    kms = boto3.client("kms", endpoint_url=replay, region_name="eu-west-1")
    keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
    aliases = kms.list_aliases()["Aliases"]
    # Then each region gets its own answer, and each operation its own
    assert "only-here" in names("eu-west-1")
    assert "only-here" not in names("us-west-2")
    assert keys == [key_id]
    assert all("AliasName" in alias for alias in aliases)
    assert _stats(replay)["entries"] == 4
