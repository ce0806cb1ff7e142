"""The record a completed access review leaves: every decision as CSV, and a signed-off PDF report of it.

The CSV is the machine-readable record (one row per account); the PDF carries the same decisions for people,
plus the sign-off (who completed the review, when) and the CSV's SHA-256, so each document vouches for the
other. Both are stored as manual evidence and sealed in the tenant's hash chain.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer

from complywise.exports import csv_cell
from scans.report_pdf import BODY, CELL, MONO, MUTED_SMALL, TITLE, _p, _section, _table, _text, a4_document

CSV_COLUMNS = (
    "integration",
    "integration_type",
    "account_id",
    "account",
    "kind",
    "email",
    "admin",
    "active",
    "privileges",
    "last_activity_at",
    "new_since_last_review",
    "decision",
    "note",
    "reviewer",
    "decided_by",
    "decided_at",
)


@dataclass(frozen=True)
class ReviewRecord:
    """What the documents say about a completed campaign (built by the service from the database)."""

    tenant_name: str
    campaign_id: str
    name: str
    recurrence: str
    opens_on: str
    due_date: str
    opened_at: datetime | None
    completed_at: datetime
    completed_by: str
    sources: Sequence[dict[str, Any]]
    rows: Sequence[dict[str, Any]]
    controls: Sequence[str]


def _utc(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def decisions_csv(record: ReviewRecord) -> bytes:
    """Every decision, one row per account, in a stable order (so the same review gives the same bytes)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in record.rows:
        writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def decisions_pdf(record: ReviewRecord, *, csv_sha256: str) -> bytes:
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"Access review: {record.name}",
        subject=f"{record.tenant_name}: access review {record.campaign_id}",
    )
    revoked = sum(1 for row in record.rows if row["decision"] == "revoked")
    story: list[Flowable] = [
        Paragraph(_text(f"Access review: {record.name}"), TITLE),
        Paragraph(_text(f"{record.tenant_name} · review {record.campaign_id}"), MUTED_SMALL),
        Spacer(1, 6),
        Paragraph(
            _text(
                f"Recurrence: {record.recurrence}. Opened {record.opens_on} ({_utc(record.opened_at)}), "
                f"due {record.due_date}. {len(record.rows)} account(s) reviewed: "
                f"{len(record.rows) - revoked} approved, {revoked} revoked."
            ),
            BODY,
        ),
        *_section("Sign-off"),
        Paragraph(_text(f"Completed by {record.completed_by} on {_utc(record.completed_at)}."), BODY),
        Paragraph(_text("SHA-256 of the decisions CSV stored with this report:"), BODY),
        Paragraph(_text(csv_sha256), MONO),
        Paragraph(
            _text("Evidence for: " + (", ".join(record.controls) or "no access-review control in an active framework")),
            BODY,
        ),
        *_section("Sources"),
        _table(
            ["Integration", "Type", "Reviewer", "Accounts as of"],
            [
                [_p(s["integration"]), _p(s["integration_type"]), _p(s["reviewer"]), _p(_utc(s["accounts_as_of"]))]
                for s in record.sources
            ],
            [0.35, 0.15, 0.3, 0.2],
        ),
        *_section("Decisions"),
        _table(
            ["Account", "Integration", "Privileges", "Last activity", "Decision", "Note", "Decided by", "At"],
            [
                [
                    _p(f"{row['account']}{' (admin)' if row['admin'] else ''}\n{row['account_id']}", CELL),
                    _p(row["integration"]),
                    _p(", ".join(row["privileges"])[:600]),
                    _p(_utc(row["last_activity_at"]) or "never / unknown"),
                    _p(row["decision"]),
                    _p(row["note"]),
                    _p(row["decided_by"]),
                    _p(_utc(row["decided_at"])),
                ]
                for row in record.rows
            ],
            [0.17, 0.1, 0.2, 0.1, 0.07, 0.16, 0.12, 0.08],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
