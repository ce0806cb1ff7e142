"""EMR master nodes addressed as their subnet says, where moto 5.2 gives every cluster the same public name.

moto answers every cluster's MasterPublicDnsName with one fixed public name, whatever subnet the cluster runs in. On
AWS a cluster's nodes are EC2 instances launched in its subnet, which gives them public addresses only if it maps
public IPs on launch (default subnets do); a master without one reports its private DNS name there instead. A cluster
in a subnet that maps no public IPs now answers a private name (``ip-<address>.ec2.internal`` in us-east-1,
``ip-<address>.<region>.compute.internal`` elsewhere, for the subnet's first usable address); every other cluster
keeps moto's answer. Everything else is moto's.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from moto.emr.models import Cluster

_MOTO_NAME = Cluster.master_public_dns_name


def _private_name(region: str, cidr: str) -> str:
    address = str(next(ipaddress.ip_network(cidr).hosts()) + 3)  # AWS keeps the first addresses of a subnet
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{address.replace('.', '-')}.{domain}"


def _master_public_dns_name(self: Any) -> str:
    subnet_id = getattr(self, "ec2_subnet_id", None)
    if subnet_id:
        subnet = self.emr_backend.ec2_backend.get_subnet(subnet_id)
        if str(subnet.map_public_ip_on_launch).lower() != "true":
            return _private_name(self.emr_backend.region_name, subnet.cidr_block)
    return str(_MOTO_NAME.fget(self))


def install() -> None:
    Cluster.master_public_dns_name = property(_master_public_dns_name)  # type: ignore[assignment,method-assign]
