"""Benchmark: scan a moto AWS account of N resources end to end and time each phase.

    python -m bench [--resources 1000] [--keep]

Uses its own throwaway embedded database (or DATABASE_URL when set) and an in-process
moto server; tasks run eagerly so the phases can be timed one by one. Prints a table and
checks the quality bars in DESIGN.md (exit code 1 when one is missed).

The export benchmark (a streamed CSV of 100,000 outcomes in flat memory) is its own module:
``python -m bench.exports``; ``make bench`` runs both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager

TIMINGS: dict[str, float] = {}


@contextmanager
def timed(name: str):
    start = time.perf_counter()
    yield
    TIMINGS[name] = time.perf_counter() - start


def seed_account(endpoint: str, resources: int) -> dict[str, int]:
    import boto3

    kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    ec2 = boto3.client("ec2", **kwargs)
    s3 = boto3.client("s3", **kwargs)
    iam = boto3.client("iam", **kwargs)
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    counts = {"security_groups": resources * 4 // 10, "buckets": resources // 10, "users": resources * 2 // 10}
    counts["volumes"] = resources - sum(counts.values())
    for i in range(counts["security_groups"]):
        group = ec2.create_security_group(GroupName=f"sg-{i}", Description="bench", VpcId=vpc_id)["GroupId"]
        if i % 3 == 0:
            ec2.authorize_security_group_ingress(
                GroupId=group,
                IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            )
    for i in range(counts["buckets"]):
        s3.create_bucket(Bucket=f"bench-bucket-{i}")
    for i in range(counts["users"]):
        iam.create_user(UserName=f"user-{i}")
        if i % 2 == 0:
            iam.create_access_key(UserName=f"user-{i}")
    for i in range(counts["volumes"]):
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, Encrypted=bool(i % 2))
    return counts


def _add_latency(seconds: float) -> None:
    """Every botocore request waits ``seconds`` before it is sent, as if AWS were a network away."""
    from botocore.endpoint import Endpoint

    send = Endpoint._send

    def delayed(self, request):
        time.sleep(seconds)
        return send(self, request)

    Endpoint._send = delayed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument(
        "--per-resource-workers",
        type=int,
        default=None,
        help="Reads in flight per collector (buckets, keys); 1 reproduces the one-at-a-time collection.",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="Add this round-trip time to every AWS call: moto answers on loopback in microseconds, AWS does not.",
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="complywise-bench-")
    os.environ.setdefault("COMPLYWISE_VAR_DIR", workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "complywise.settings.test"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}.items():
        os.environ.setdefault(name, value)

    import logging

    import django

    django.setup()
    if args.latency_ms:
        _add_latency(args.latency_ms / 1000)
    if args.per_resource_workers is not None:
        from integrations.providers.aws.collectors import _common

        _common.PER_RESOURCE_WORKERS = args.per_resource_workers
    # moto's request log and its tracebacks for services it lacks (Access Analyzer) are noise here.
    for noisy in ("werkzeug", "integrations", "scans", "evidence", "celery", "complywise"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection
    from moto.server import ThreadedMotoServer

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from complywise.services import tenant_create
    from frameworks.models import Framework, TenantFramework
    from integrations.services import integration_create
    from scans import engine
    from scans.models import CheckOutcome, ScanJob, ScanResult

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with timed("seed moto account"):
        counts = seed_account(endpoint, args.resources)

    tenant, _ = tenant_create(name="Bench", slug=f"bench-{int(time.time())}")
    for framework in Framework.objects.filter(tenant__isnull=True):
        TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
    integration = integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="bench",
        config={"regions": ["us-east-1"], "endpoint_url": endpoint},
        credentials={
            "access_key_id": "AKIABENCH00000000000",
            "secret_access_key": "bench-secret-access-key-0000000000000000",
        },
    )
    job = ScanJob.objects.create(
        tenant=tenant,
        framework_ids=[
            str(pk) for pk in TenantFramework.objects.filter(tenant=tenant).values_list("framework_id", flat=True)
        ],
    )
    engine._enqueue_parts = lambda ids: None  # drive the phases by hand to time each
    engine._enqueue_finalize = lambda job_id: None
    with timed("total"):
        engine.scan_start(scan_job_id=str(job.pk))
        part = job.parts.get()
        from integrations.registry import all_checks
        from integrations.services import integration_connector

        checks = all_checks("aws")
        with timed("collect inventory"):
            inventory = integration_connector(integration=integration).collect({s for c in checks for s in c.services})
        with timed("evaluate + ingest outcomes"):
            engine._store_outcomes(part=part, integration=integration, checks=checks, inventory=inventory)
        with timed("roll-up + evidence"):
            engine.scan_finalize(scan_job_id=str(job.pk))
    job.refresh_from_db()
    outcomes = CheckOutcome.objects.filter(scan_job=job).count()

    # Raw bulk insert of the same number of rows, for the ingestion bar.
    rows = list(CheckOutcome.objects.filter(scan_job=job))
    for row in rows:
        row.pk = None
        row.id = None
    import uuid

    for row in rows:
        row.id = uuid.uuid4()
    with timed("raw bulk insert (same rows)"):
        CheckOutcome.objects.bulk_create(rows, batch_size=1000)

    from rest_framework.test import APIClient

    from complywise.choices import Role
    from complywise.services import api_token_create, membership_ensure, user_get_or_create

    user = user_get_or_create(email="bench@example.com")
    token = api_token_create(membership=membership_ensure(tenant=tenant, user=user, role=Role.VIEWER), name="b").secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with timed("results page (limit=100)"):
        for _ in range(10):
            client.get(f"/api/scans/{job.pk}/results?limit=100")
    TIMINGS["results page (limit=100)"] /= 10
    server.stop()

    print(f"\nComplyWise scan benchmark — {connection.vendor}, {sum(counts.values())} seeded resources {counts}")
    results = ScanResult.objects.filter(scan_job=job).count()
    print(f"  status={job.status} controls={job.total_controls} outcomes={outcomes} results={results}")
    for name, seconds in TIMINGS.items():
        print(f"  {name:<32} {seconds:8.3f} s")
    ingest = TIMINGS["evaluate + ingest outcomes"]
    raw = TIMINGS["raw bulk insert (same rows)"]
    bars = {
        "scan end to end < 60 s": TIMINGS["total"] < 60,
        "results page < 100 ms": TIMINGS["results page (limit=100)"] < 0.1,
        f"ingestion within 2x raw insert ({ingest / raw if raw else 0:.2f}x)": ingest < 2 * raw or outcomes < 100,
    }
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}")
    return 0 if all(bars.values()) and job.status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
