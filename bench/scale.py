"""Scale benchmark: whole AWS scans through real worker processes, from 1,000 to 20,000 resources, 1 vs 2 workers.

    python -m bench.scale [--sizes 1000,5000,20000] [--compare-at 5000] [--embedded]

The production path by default: PostgreSQL (DATABASE_URL, else a ``complywise_bench``
database on 127.0.0.1) and Redis (CELERY_BROKER_URL, else redis://127.0.0.1:6379/13),
with Celery workers started as separate processes, exactly as an operator runs them.
``--embedded`` uses SQLite and the filesystem broker instead (still real workers).

A moto server in its own process plays a four-region AWS account, seeded with security
groups and volumes spread over the regions, buckets and IAM users. For each size the
scan is triggered as a user would (``scan_trigger``) and timed from trigger to completed;
the time is split into collection (wall time of the collection units), evaluation,
outcome writes, roll-up and evidence, as the engine records them on the scan. Worker and
moto CPU seconds are read from /proc, so on a 2-core machine one can see how much of a
scan the fake provider itself costs; peak memory is each worker process's high-water RSS.

At ``--compare-at`` the same seeded account is scanned again with two worker processes:
the ratio is reported and the two scans' outcome rows must be identical. moto is one
Python process that spends a few milliseconds of CPU on every call, on the same two cores
as the workers, so it bounds what a second worker can add. The comparison is therefore run
a second way: through ``bench.replay``, which asks moto each distinct request once (a
recording scan, not timed) and replays moto's answer after, so the provider costs the
workers' cores little, as AWS costs them nothing. Replayed scans must give exactly the
rows moto gave.

Bars (exit 1 when one is missed): the largest size within 1.1x of linear in time, two
workers faster than one against moto, two workers at most 0.8x the time of one against
the replayed provider, identical rows (``--smoke``: completion and identical rows only).
Prints a table and writes bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.__main__ import create_database
from bench.replay import RESET_PATH

REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]
RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
SCAN_TIMEOUT = 3600
# Against a provider whose CPU is not the workers', a second worker must take a fifth off the time at least.
REPLAY_RATIO_BAR = 0.8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- /proc ------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            for child in children:
                found.extend(process_tree(int(child)))
    except OSError:
        pass
    return found


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """CPU seconds the processes used so far; with ``reaped``, also that of their children that have exited.

    Without it, a child that exits between two readings takes its CPU with it and the difference can go
    negative (a PostgreSQL backend whose connection closed: its postmaster keeps the count).
    """
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: children waited for
    return total / CLK_TCK


def _peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- the fake account -------------------------------------------------------------------------


def seed_account(endpoint: str, resources: int) -> dict[str, int]:
    """Security groups and volumes over four regions, buckets and users: ``resources`` in all."""
    import boto3

    def client(service: str, region: str = REGIONS[0]) -> Any:
        return boto3.client(
            service, region_name=region, endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y"
        )

    counts = {"users": resources // 5, "buckets": resources // 10, "security_groups": resources * 4 // 10}
    counts["volumes"] = resources - sum(counts.values())
    iam, s3 = client("iam"), client("s3")
    ec2 = {region: client("ec2", region) for region in REGIONS}
    vpcs = {region: ec2[region].describe_vpcs()["Vpcs"][0]["VpcId"] for region in REGIONS}

    def group(i: int) -> None:
        region = REGIONS[i % len(REGIONS)]
        group_id = ec2[region].create_security_group(GroupName=f"sg-{i}", Description="bench", VpcId=vpcs[region])[
            "GroupId"
        ]
        if i % 3 == 0:
            ec2[region].authorize_security_group_ingress(
                GroupId=group_id,
                IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            )

    def volume(i: int) -> None:
        region = REGIONS[i % len(REGIONS)]
        ec2[region].create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=bool(i % 2))

    def user(i: int) -> None:
        iam.create_user(UserName=f"user-{i}")
        if i % 2 == 0:
            iam.create_access_key(UserName=f"user-{i}")

    def bucket(i: int) -> None:
        s3.create_bucket(Bucket=f"bench-bucket-{i}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        for make, kind in ((group, "security_groups"), (volume, "volumes"), (user, "users"), (bucket, "buckets")):
            list(pool.map(make, range(counts[kind])))
    return counts


# --- one scan ---------------------------------------------------------------------------------


class Workers:
    """``n`` Celery worker processes of concurrency 1, each as an operator would start one more."""

    def __init__(self, n: int, env: dict[str, str], logdir: Path) -> None:
        self.procs = []
        for i in range(n):
            log = logdir / f"worker-{i}-{time.time_ns()}.log"
            command = [
                sys.executable, "-m", "bench.worker", "--concurrency", "1",
                "--hostname", f"bench{i}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
            ]  # fmt: skip
            self.procs.append(
                (subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT), log)
            )
        deadline = time.monotonic() + 60
        for proc, log in self.procs:
            while "ready." not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)

    def pids(self) -> list[int]:
        return [pid for proc, _ in self.procs for pid in process_tree(proc.pid)]

    def stop(self) -> None:
        for proc, _ in self.procs:
            proc.terminate()
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def scan_once(*, tenant: Any, workers: Workers, provider_pids: list[int]) -> dict[str, Any]:
    from scans import services
    from scans.models import CheckOutcome, ScanUnit

    cpu_before = cpu_seconds(workers.pids(), reaped=True)
    provider_before = cpu_seconds(provider_pids)
    job = services.scan_trigger(tenant=tenant, actor=None, integration_types=["aws"])
    deadline = time.monotonic() + SCAN_TIMEOUT
    while True:
        job.refresh_from_db()
        if job.is_finished:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"scan {job.pk} did not finish in {SCAN_TIMEOUT} s")
        time.sleep(0.25)
    worker_cpu = cpu_seconds(workers.pids(), reaped=True) - cpu_before
    part = job.parts.get()
    units = list(ScanUnit.objects.filter(part=part).order_by("key"))
    outcomes = CheckOutcome.objects.filter(scan_job=job)
    seconds = (job.completed_at - job.created_at).total_seconds()
    count = outcomes.count()
    return {
        "scan_job": str(job.pk),
        "status": job.status,
        "seconds": round(seconds, 2),
        "outcomes": count,
        "outcomes_per_second": round(count / seconds, 1) if seconds else None,
        "collect_wall": part.timings.get("collect"),
        "collect_unit_seconds": {
            u.key: round((u.completed_at - u.started_at).total_seconds(), 2)
            for u in units
            if u.started_at and u.completed_at
        },
        "inventory_bytes": sum(u.payload_bytes for u in units),
        "evaluate": part.timings.get("evaluate"),
        "write": part.timings.get("write"),
        "rollup": job.timings.get("rollup"),
        "evidence": job.timings.get("evidence"),
        "worker_cpu_seconds": round(worker_cpu, 2),
        "provider_cpu_seconds": round(cpu_seconds(provider_pids) - provider_before, 2),
        "peak_rss_mib": {str(pid): round(_peak_rss_mib(pid), 1) for pid in workers.pids()},
        "rows": sorted(outcomes.values_list("check_id", "resource_id", "region", "status")),
    }


# --- the run ----------------------------------------------------------------------------------


def _environment(embedded: bool, workdir: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complywise.settings.base", "COMPLYWISE_VAR_DIR": str(workdir)}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    if embedded:
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            env.pop(name, None)
        return env
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/complywise_bench")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="Resources per seeded account, comma-separated.")
    parser.add_argument("--compare-at", type=int, default=5000, help="Size scanned with 1 and then 2 workers.")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the filesystem broker instead.")
    parser.add_argument("--smoke", action="store_true", help="Only completion and identical rows are bars (CI).")
    parser.add_argument(
        "--compare-latency-ms",
        type=float,
        default=20,
        help="The 1-vs-2 comparison is also run with this round-trip time added to every AWS call in the workers "
        "(AWS is a network away, moto is not); 0 skips it.",
    )
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.compare_at})

    workdir = Path(tempfile.mkdtemp(prefix="complywise-bench-scale-"))
    env = _environment(args.embedded, workdir)
    os.environ.clear()
    os.environ.update(env)
    if not args.embedded:
        create_database(env["DATABASE_URL"])
        import redis

        redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # a dedicated database: no stale bench tasks

    import logging

    import django

    django.setup()
    for noisy in ("integrations", "scans", "evidence", "celery", "complywise", "notifications"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from complywise.services import tenant_create
    from frameworks.models import Framework, TenantFramework
    from integrations.services import integration_create

    port, replay_port = free_port(), free_port()
    # moto's server with what it lacks added (tests.moto_additions), as the tests' server has it.
    moto = subprocess.Popen(
        [sys.executable, "-m", "tests.moto_additions", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    replay = subprocess.Popen(
        [sys.executable, "-m", "bench.replay", "--upstream", endpoint, "--port", str(replay_port)], cwd=ROOT
    )
    replay_endpoint = f"http://127.0.0.1:{replay_port}"
    latencies = [0.0] + [args.compare_latency_ms] * bool(args.compare_latency_ms)
    runs: list[dict[str, Any]] = []

    def tenant_for(size: int, label: str, url: str) -> Any:
        tenant, _ = tenant_create(name=f"Bench {size} {label}", slug=f"bench-{size}-{label}-{time.time_ns()}")
        for framework in Framework.objects.filter(tenant__isnull=True):
            TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
        integration_create(
            tenant=tenant,
            actor=None,
            type="aws",
            name="bench",
            config={"regions": REGIONS, "endpoint_url": url},
            credentials={"access_key_id": "AKIABENCH00000000000", "secret_access_key": "bench-secret-0" * 3},
        )
        return tenant

    try:
        _wait_http(f"{endpoint}/moto-api/")
        _wait_http(f"{replay_endpoint}/__replay__/stats")
        for size in sizes:
            for reset in (f"{endpoint}/moto-api/reset", f"{replay_endpoint}{RESET_PATH}"):
                urllib.request.urlopen(urllib.request.Request(reset, method="POST"), timeout=30)
            started = time.monotonic()
            counts = seed_account(endpoint, size)
            seeded = time.monotonic() - started
            # (provider, workers, added latency); the replayed provider is recorded by an untimed first scan.
            plan = [("moto", 1, 0.0)]
            if size == args.compare_at:
                plan += [("moto", 2, 0.0)] + [("moto", n, ms) for ms in latencies[1:] for n in (1, 2)]
                plan += [("recording", 1, 0.0)] + [("replay", n, ms) for ms in latencies for n in (1, 2)]
            tenants = {"moto": tenant_for(size, "moto", endpoint)}
            if size == args.compare_at:
                tenants["recording"] = tenants["replay"] = tenant_for(size, "replay", replay_endpoint)
            for provider, n, latency in plan:
                workers = Workers(n, {**env, "BENCH_LATENCY_MS": str(latency)}, workdir)
                try:
                    run = scan_once(
                        tenant=tenants[provider],
                        workers=workers,
                        provider_pids=[moto.pid] + [replay.pid] * (provider != "moto"),
                    )
                finally:
                    workers.stop()
                run.update(
                    size=size,
                    provider=provider,
                    workers=n,
                    latency_ms=latency,
                    seeded=counts,
                    seed_seconds=round(seeded, 1),
                )
                runs.append(run)
                print(
                    f"  {size:>6} resources, {provider}, {n} worker(s), +{latency:g} ms/call: {run['status']} "
                    f"in {run['seconds']:.1f} s, "
                    f"{run['outcomes']} outcomes, worker CPU {run['worker_cpu_seconds']:.1f} s, "
                    f"provider CPU {run['provider_cpu_seconds']:.1f} s",
                    flush=True,
                )
        with urllib.request.urlopen(f"{replay_endpoint}/__replay__/stats", timeout=10) as answer:
            replay_stats = json.load(answer)
    finally:
        for process in (replay, moto):
            process.terminate()
            process.wait(timeout=30)

    def compared(provider: str, latency: float) -> dict[str, Any]:
        def run_of(n: int) -> dict[str, Any]:
            return next(
                r
                for r in runs
                if (r["size"], r["provider"], r["workers"], r["latency_ms"]) == (args.compare_at, provider, n, latency)
            )

        one, two = run_of(1), run_of(2)
        return {
            "size": args.compare_at,
            "provider": provider,
            "latency_ms": latency,
            "one_worker_seconds": one["seconds"],
            "two_workers_seconds": two["seconds"],
            "ratio": round(two["seconds"] / one["seconds"], 2),
            "rows_identical": one["rows"] == two["rows"],
        }

    comparisons = [compared(provider, ms) for provider in ("moto", "replay") for ms in latencies]
    direct = next(r for r in runs if r["size"] == args.compare_at and r["provider"] == "moto")
    replayed_rows_match = all(r["rows"] == direct["rows"] for r in runs if r["provider"] in ("recording", "replay"))
    singles = [r for r in runs if r["provider"] == "moto" and r["workers"] == 1 and r["latency_ms"] == 0]
    small, large = singles[0], singles[-1]
    growth = large["seconds"] / small["seconds"]
    size_ratio = large["size"] / small["size"]

    print(f"\nComplyWise scale benchmark — {connection.vendor}, broker {env.get('CELERY_BROKER_URL', 'filesystem')}")
    header = (
        f"{'resources':>9} {'provider':>9} {'workers':>7} {'+ms':>4} {'total s':>8} {'collect':>8} {'evaluate':>8} "
        f"{'write':>7} {'roll-up':>8} {'evidence':>8} {'outc/s':>8} {'wCPU s':>7} {'provCPU':>7} {'peak MiB':>9}"
    )
    print(header)
    for r in runs:
        print(
            f"{r['size']:>9} {r['provider']:>9} {r['workers']:>7} {r['latency_ms']:>4g} {r['seconds']:>8.1f} "
            f"{r['collect_wall'] or 0:>8.1f} "
            f"{r['evaluate'] or 0:>8.2f} {r['write'] or 0:>7.2f} {r['rollup'] or 0:>8.2f} {r['evidence'] or 0:>8.2f} "
            f"{r['outcomes_per_second'] or 0:>8.0f} {r['worker_cpu_seconds']:>7.1f} {r['provider_cpu_seconds']:>7.1f} "
            f"{max(r['peak_rss_mib'].values() or [0]):>9.0f}"
        )
    bars = {
        f"{large['size']} resources within 1.1x of linear ({growth:.1f}x time for {size_ratio:.0f}x resources)": (
            growth <= 1.1 * size_ratio
        ),
        **{
            f"2 workers {'faster than' if c['provider'] == 'moto' else 'at most 0.8x the time of'} 1 at {c['size']}, "
            f"{c['provider']}, +{c['latency_ms']:g} ms/call ({c['ratio']:.2f}x the time)": (
                c["ratio"] < (1 if c["provider"] == "moto" else REPLAY_RATIO_BAR)
            )
            for c in comparisons
        },
        "1 and 2 workers give identical outcome rows": all(c["rows_identical"] for c in comparisons),
        "replayed scans give the rows moto gave": replayed_rows_match,
        "every scan completed": all(r["status"] == "completed" for r in runs),
    }
    if args.smoke:
        # At smoke sizes fixed costs (worker start, moto's first call per region) dominate: no ratio means much.
        bars = {name: ok for name, ok in bars.items() if "identical" in name or "rows" in name or "completed" in name}
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}")
    RESULTS.parent.mkdir(exist_ok=True)
    for r in runs:
        r.pop("rows")
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "database": connection.vendor,
                    "compare_latency_ms": args.compare_latency_ms,
                },
                "runs": runs,
                "comparisons": comparisons,
                "replay": replay_stats,
                "bars": bars,
            },
            indent=2,
        )
    )
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
