"""Data store and key collection (regional): RDS instances, EFS file systems, KMS keys."""

from __future__ import annotations

from typing import Any

from ..shapes import EfsRegion, KmsRegion, RdsRegion
from ._common import Scope, paginate, plain


def collect_rds(scope: Scope) -> RdsRegion:
    rds = scope.client("rds")
    instances = paginate(rds, "describe_db_instances", "DBInstances")
    return plain(
        {
            "db_instances": [
                {
                    "id": d["DBInstanceIdentifier"],
                    "arn": d.get("DBInstanceArn"),
                    "engine": d.get("Engine"),
                    "storage_encrypted": bool(d.get("StorageEncrypted")),
                    "auto_minor_version_upgrade": bool(d.get("AutoMinorVersionUpgrade")),
                    "publicly_accessible": bool(d.get("PubliclyAccessible")),
                    "region": scope.region,
                }
                for d in instances
            ]
        }
    )


def collect_efs(scope: Scope) -> EfsRegion:
    efs = scope.client("efs")
    systems = paginate(efs, "describe_file_systems", "FileSystems")
    return plain(
        {
            "file_systems": [
                {
                    "id": f["FileSystemId"],
                    "arn": f.get("FileSystemArn"),
                    "encrypted": bool(f.get("Encrypted")),
                    "kms_key_id": f.get("KmsKeyId"),
                    "region": scope.region,
                }
                for f in systems
            ]
        }
    )


def collect_kms(scope: Scope) -> KmsRegion:
    kms = scope.client("kms")
    keys: list[dict[str, Any]] = []
    for listed in paginate(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
        spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
        rotatable = (
            meta.get("KeyManager") == "CUSTOMER"
            and spec == "SYMMETRIC_DEFAULT"
            and meta.get("KeyState") == "Enabled"
            and meta.get("Origin") == "AWS_KMS"
        )
        # Rotation status only exists for enabled symmetric keys with AWS-held material.
        rotation = kms.get_key_rotation_status(KeyId=listed["KeyId"]).get("KeyRotationEnabled") if rotatable else None
        keys.append(
            {
                "id": meta["KeyId"],
                "arn": meta.get("Arn"),
                "manager": meta.get("KeyManager"),
                "spec": spec,
                "state": meta.get("KeyState"),
                "origin": meta.get("Origin"),
                "rotation_enabled": rotation,
                "region": scope.region,
            }
        )
    return plain({"keys": keys})
