"""``make bench BENCH_ARGS=--smoke`` is what CI runs: every part must have a smoke mode that asserts correctness only.

At CI's sizes a time ratio measures the shared machine, not the code (a COPY ratio of 2,000 rows in one round
once failed CI on a change that touched no write path), so each part is called with ``--smoke`` and each
part's own command line must know it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import PARTS

ROOT = Path(__file__).resolve().parents[2]


def test_every_part_runs_in_smoke_mode_in_ci():
    # Given the parts `make bench` runs / Then each one's smoke arguments ask for its smoke mode
    assert [name for name, _, smoke in PARTS if "--smoke" not in smoke] == []


@pytest.mark.parametrize("name", [name for name, _, _ in PARTS])
def test_each_part_accepts_smoke(name):
    # When a part's command line is asked for its options
    shown = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    # Then it names --smoke, which is what CI passes it
    assert shown.returncode == 0, shown.stderr
    assert "--smoke" in shown.stdout
