from pathlib import Path

import boto3
import pytest

from evidence.storage import evidence_storage

# moto_server / moto_reset come from tests/conftest.py (tests/conftest_moto.py).

BUCKET = "complywise-evidence-test"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def s3(settings, moto_reset):
    """Evidence storage switched to S3 (a real moto server), configured like production."""
    client = boto3.client("s3", endpoint_url=moto_reset, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_reset,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 300,
                "object_parameters": {"ServerSideEncryption": "AES256"},
                # SigV4 presigned URLs (SigV2 is refused by S3 buckets created since 2020): recommended
                # for production settings too.
                "signature_version": "s3v4",
            },
        },
    }
    assert evidence_storage().bucket_name == BUCKET
    return client
