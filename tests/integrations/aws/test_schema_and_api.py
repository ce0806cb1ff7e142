import pytest

from integrations.providers.aws.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.factories import AWS_ACCESS_KEY_ID, AWS_CREDENTIALS


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-7", "us-isob-east-1"]
)
def test_known_regions_are_valid(region):
    serializer = ConfigSerializer(data={"regions": [region]})
    assert serializer.is_valid(), serializer.errors


def test_a_future_region_of_a_known_partition_is_valid():
    # AWS opens regions faster than botocore releases: the partition's pattern admits them.
    serializer = ConfigSerializer(data={"regions": ["eu-east-9"]})
    assert serializer.is_valid(), serializer.errors


@pytest.mark.parametrize("region", ["mars-north-1", "us-east", "us_east_1", "", "us-east-1; rm", "xx-east-1"])
def test_bad_regions_are_rejected_per_item(region):
    # when
    serializer = ConfigSerializer(data={"regions": ["us-east-1", region]})
    # then the error points at the bad item
    assert not serializer.is_valid()
    assert list(serializer.errors["regions"]) == [1]


def test_region_names_are_normalised():
    serializer = ConfigSerializer(data={"regions": [" EU-West-1 "]})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["regions"] == ["eu-west-1"]


def test_regions_must_be_a_non_empty_list():
    for data in ({"regions": []}, {"regions": "us-east-1"}, {"regions": None}, {}):
        serializer = ConfigSerializer(data=data)
        assert not serializer.is_valid()
        assert set(serializer.errors) == {"regions"}


def test_full_config_is_normalised():
    # given
    data = {
        "regions": ["us-east-1", "eu-west-1", "us-east-1"],
        "endpoint_url": "http://127.0.0.1:5000",
        "role_arn": "arn:aws:iam::123456789012:role/ComplyWiseAudit",
        "external_id": "cw-7f1d",
    }
    # when
    serializer = ConfigSerializer(data=data)
    # then duplicates are dropped and the rest is kept
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {**data, "regions": ["us-east-1", "eu-west-1"]}


def test_defaults_are_null():
    serializer = ConfigSerializer(data={"regions": ["us-east-1"]})
    assert serializer.is_valid()
    assert serializer.validated_data == {
        "regions": ["us-east-1"],
        "endpoint_url": None,
        "role_arn": None,
        "external_id": None,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("endpoint_url", "ftp://example.com"),
        ("endpoint_url", "not a url"),
        ("role_arn", "arn:aws:iam::123:role/x"),
        ("role_arn", "arn:aws:s3:::bucket"),
        ("external_id", "x"),
    ],
)
def test_bad_optional_fields(field, value):
    data = {"regions": ["us-east-1"], "role_arn": "arn:aws:iam::123456789012:role/r", field: value}
    serializer = ConfigSerializer(data=data)
    assert not serializer.is_valid()
    assert field in serializer.errors


def test_unknown_config_keys_are_rejected():
    serializer = ConfigSerializer(data={"regions": ["us-east-1"], "region": "us-east-1"})
    assert not serializer.is_valid()
    assert serializer.errors == {"region": ["Unknown field."]}


def test_external_id_needs_a_role():
    serializer = ConfigSerializer(data={"regions": ["us-east-1"], "external_id": "abc123"})
    assert not serializer.is_valid()
    assert "external_id" in serializer.errors


def test_credentials():
    # valid, with an optional session token
    ok = CredentialsSerializer(data={**AWS_CREDENTIALS, "session_token": ""})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["session_token"] is None
    # missing and malformed fields, without echoing the values back
    bad = CredentialsSerializer(data={"access_key_id": "akia-lowercase-not-valid", "secret_access_key": "short"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"access_key_id", "secret_access_key"}
    assert "akia-lowercase-not-valid" not in str(bad.errors)
    empty = CredentialsSerializer(data={})
    assert not empty.is_valid()
    assert set(empty.errors) == {"access_key_id", "secret_access_key"}


def test_credentials_hint_shows_only_the_key_ids_tail():
    assert credentials_hint(AWS_CREDENTIALS) == "access key …MPLE"
    assert AWS_ACCESS_KEY_ID not in credentials_hint(AWS_CREDENTIALS)
