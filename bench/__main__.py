"""``make bench``: every benchmark in turn, on the production path, with one summary at the end.

    python -m bench [--smoke] [--embedded]

Each part is its own module (run alone with ``python -m bench.<name> --help``) and writes its JSON under
bench/results/; this runner starts each in a fresh process, so one part's memory never shows in another's:

- ``scale``: whole AWS scans through real worker processes, 1,000 → 20,000 resources, 1 vs 2 workers;
- ``outcome_copy``: outcome writes through COPY against a raw COPY of the same rows (PostgreSQL);
- ``pages``: results and outcomes pages of a 100,000-outcome scan at 16 concurrent clients;
- ``rollup``: the roll-up's peak memory from 1,000 to 20,000 resources;
- ``purge``: the retention purge of a year of hourly scans, 1,000,000 outcomes;
- ``exports``: a streamed CSV of 100,000 outcomes in flat memory.

PostgreSQL (DATABASE_URL, else ``complywise_bench`` on 127.0.0.1) and Redis are the default; ``--embedded``
runs on SQLite and the filesystem broker. ``--smoke`` runs every part at a size small enough for CI, where
only completion is asserted (ratios need sizes where the fixed costs no longer dominate).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/complywise_bench"

# (module, full-size arguments, smoke arguments)
PARTS: list[tuple[str, list[str], list[str]]] = [
    ("scale", [], ["--sizes", "200", "--compare-at", "200", "--compare-latency-ms", "0", "--smoke"]),
    ("outcome_copy", ["--rows", "100000"], ["--rows", "2000", "--rounds", "1", "--smoke"]),
    (
        "pages",
        [],
        ["--outcomes", "2000", "--requests", "200", "--page-requests", "40", "--paced-requests", "100", "--smoke"],
    ),
    ("rollup", [], ["--sizes", "200,400", "--smoke"]),
    ("purge", [], ["--outcomes", "20000", "--jobs", "200", "--smoke"]),
    ("exports", [], ["--outcomes", "5000", "--smoke"]),
]


def create_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names when it does not exist (connecting to ``postgres`` to do so)."""
    import psycopg

    if not url.startswith(("postgres://", "postgresql://")):
        return
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="Small sizes, completion only (CI).")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the filesystem broker.")
    parser.add_argument("--only", default="", help="Comma-separated parts to run (default: all).")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.embedded:
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            env.pop(name, None)
    else:
        env.setdefault("DATABASE_URL", DEFAULT_DATABASE)
        # Every part connects to it; `--only` must not depend on scale having created it first.
        create_database(env["DATABASE_URL"])
    chosen = {name for name in args.only.split(",") if name}
    summary: list[tuple[str, int, float]] = []
    for name, full, smoke in PARTS:
        if chosen and name not in chosen:
            continue
        command = [sys.executable, "-m", f"bench.{name}", *(smoke if args.smoke else full)]
        if name == "scale" and args.embedded:
            command.append("--embedded")
        print(f"\n=== bench.{name}: {' '.join(command[3:]) or '(defaults)'}", flush=True)
        started = time.monotonic()
        code = subprocess.call(command, env=env)
        summary.append((name, code, time.monotonic() - started))
    print("\n=== summary")
    for name, code, seconds in summary:
        print(f"  {name:<14} {'ok' if code == 0 else 'MISSED' if code == 1 else f'exit {code}':<8} {seconds:7.0f} s")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
