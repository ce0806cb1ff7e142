"""Reads of a tenant's evidence chain as positions (rows and tombstones alike), and what a bundle carries of it.

An auditor bundle holds the whole chain's hashes up to its head (``chain.csv``), each exported row's sealed
fields, and ``verify.py`` (``evidence/bundle_verify.py``), so that it can be checked without the platform.
"""

from __future__ import annotations

import csv
import heapq
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction

from .bundle_verify import CHAIN_COLUMNS
from .models import Evidence, EvidenceTombstone

CHAIN_FILE = "chain.csv"
VERIFIER_FILE = "verify.py"
CHAIN_CHUNK = 2000


def chain_head(tenant_id: Any) -> tuple[int, str]:
    """The last sequence of the tenant's chain and its hash, whether that row is live or tombstoned."""
    heads = [
        model.objects.filter(tenant_id=tenant_id).order_by("-sequence").values_list("sequence", "chain_hash")[:1]
        for model in (Evidence, EvidenceTombstone)
    ]
    found = [row for query in heads for row in query]
    return max(found) if found else (0, "")


def _positions(model: Any, kind: str, id_column: str, tenant_id: Any, up_to: int) -> Iterator[tuple]:
    rows = (
        model.objects.filter(tenant_id=tenant_id, sequence__lte=up_to)
        .order_by("sequence")
        .values_list("sequence", id_column, "previous_hash", "chain_hash")
        .iterator(chunk_size=CHAIN_CHUNK)
    )
    for sequence, evidence_id, previous_hash, chain_hash in rows:
        yield sequence, kind, str(evidence_id), previous_hash, chain_hash


def chain_positions(tenant_id: Any, *, up_to: int) -> Iterator[tuple[int, str, str, str, str]]:
    """(sequence, kind, evidence id, previous hash, chain hash) of every position up to ``up_to``, in order."""
    return heapq.merge(
        _positions(Evidence, "evidence", "id", tenant_id, up_to),
        _positions(EvidenceTombstone, "tombstone", "evidence_id", tenant_id, up_to),
        key=lambda position: position[0],
    )


def write_chain_csv(target: IO[bytes], tenant_id: Any, *, up_to: int) -> None:
    """Every position up to ``up_to`` as CSV, rows and tombstones read from one snapshot where the database can.

    A deletion replaces a row by its tombstone in one transaction; read in two snapshots, the position could show
    up twice or not at all, and the auditor's check would fail for nothing.
    """
    # Inside another transaction (a test's) this block is a savepoint, whose isolation is not ours to set.
    outer = connection.in_atomic_block
    with io.TextIOWrapper(target, encoding="utf-8", newline="") as text, transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CHAIN_COLUMNS)
        writer.writerows(chain_positions(tenant_id, up_to=up_to))


def verifier_source() -> bytes:
    return (Path(__file__).resolve().parent / "bundle_verify.py").read_bytes()
