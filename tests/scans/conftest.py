import boto3
import pytest

from frameworks.models import Framework, TenantFramework
from integrations.services import integration_create

REGION = "us-east-1"


@pytest.fixture
def aws_integration(tenant, moto_reset, loaded_frameworks):
    """An AWS integration of ``tenant`` pointed at an empty moto account, with SOC 2, ISO 27001 and CIS AWS active."""
    for key in ("soc2", "iso27001-2022", "cis-aws"):
        TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key=key))
    return integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="prod",
        config={"regions": [REGION], "endpoint_url": moto_reset},
        credentials={
            "access_key_id": "AKIATESTING000000000",
            "secret_access_key": "testing-secret-access-key-0000000000000000",
        },
    )


@pytest.fixture
def open_ssh_group(moto_reset):
    """A security group that lets the whole internet reach port 22."""
    ec2 = boto3.client("ec2", endpoint_url=moto_reset, region_name=REGION)
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName="open-ssh", Description="wide open", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return group_id


@pytest.fixture
def run_scan(django_capture_on_commit_callbacks):
    """Trigger through the API and run the whole scan in-process (tasks are eager in the test settings)."""

    def run(client, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/scans/trigger", body or {}, format="json")
        assert response.status_code == 202, response.content
        return client.get(f"/api/scans/{response.json()['scan_job_id']}").json()

    return run
