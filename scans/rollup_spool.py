"""The roll-up's outcome spool: a scan's listed outcomes on disk, one JSON array per check, read back in chunks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from evidence.services import canonical_json

from .choices import OutcomeStatus
from .models import CheckOutcome

# Per check, an evidence artifact lists at most this many passing resources (every failure is listed).
EVIDENCE_PASSING_CAP = 1000
FINDING_RESOURCE_CAP = 10
# Outcome rows fetched per round trip while they are spooled to disk.
OUTCOME_FETCH_ROWS = 2000
SPOOL_READ_BYTES = 1 << 16


@dataclass
class Listed:
    """One check's outcomes as evidence lists them: a JSON array in the spool file, and what the finding needs."""

    offset: int
    length: int = 0
    failures: int = 0
    first_failures: list[tuple[str, str]] = field(default_factory=list)
    error_integrations: set[str | None] = field(default_factory=set)
    first_error_reason: str | None = None


class OutcomeSpool:
    """Every outcome evidence lists, written once to a temporary file as one canonical JSON array per check.

    One ordered pass over the scan's outcomes; each evidence document then streams its checks' arrays from
    the file as it is stored. So no list of outcomes is ever in memory, however many resources were scanned
    (the file holds every failure and error, and up to EVIDENCE_PASSING_CAP passes per check).
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.listed: dict[str, Listed] = {}

    def __enter__(self) -> OutcomeSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def fill(self, scan_job_id: Any, check_ids: set[str]) -> None:
        rows = (
            CheckOutcome.objects.filter(scan_job_id=scan_job_id, check_id__in=check_ids)
            .order_by("check_id", "status", "resource_id")
            .values(
                "check_id", "resource_id", "resource_type", "region", "status", "reason", "detail", "integration_id"
            )
        )
        position = 0
        current: Listed | None = None
        passing = 0

        def write(data: bytes) -> None:
            nonlocal position
            self._file.write(data)
            position += len(data)

        for row in rows.iterator(chunk_size=OUTCOME_FETCH_ROWS):
            # Ordered by check: a new id closes the previous check's array.
            if current is None or row["check_id"] not in self.listed:
                if current is not None:
                    write(b"]")
                    current.length = position - current.offset
                current = self.listed[row["check_id"]] = Listed(offset=position)
                passing = 0
                separator = b"["
            status = row["status"]
            if status == OutcomeStatus.PASS:
                passing += 1
                if passing > EVIDENCE_PASSING_CAP:
                    continue
            integration_id = str(row["integration_id"]) if row["integration_id"] else None
            if status == OutcomeStatus.FAIL:
                current.failures += 1
                if len(current.first_failures) < FINDING_RESOURCE_CAP:
                    current.first_failures.append((row["resource_id"], row["reason"]))
            elif status == OutcomeStatus.ERROR:
                current.error_integrations.add(integration_id)
                if current.first_error_reason is None:
                    current.first_error_reason = row["reason"]
            write(separator + canonical_json({**row, "integration_id": integration_id}))
            separator = b","
        if current is not None:
            write(b"]")
            current.length = position - current.offset
        self._file.flush()

    def array(self, check_id: str) -> Callable[[], Iterator[bytes]]:
        """The check's JSON array as chunks, read with pread so the evidence writer threads can share the file."""
        listed = self.listed[check_id]
        descriptor = self._file.fileno()

        def chunks() -> Iterator[bytes]:
            offset, remaining = listed.offset, listed.length
            while remaining:
                data = os.pread(descriptor, min(remaining, SPOOL_READ_BYTES), offset)
                if not data:
                    raise OSError(f"the outcome spool ended inside the outcomes of {check_id}")
                offset += len(data)
                remaining -= len(data)
                yield data

        return chunks
