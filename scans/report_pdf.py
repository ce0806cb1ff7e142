"""A ScanReport as a PDF (reportlab platypus): A4, wrapped table cells, "Page X of Y" on every page.

Every piece of tenant or catalog text goes through :func:`_text`, since reportlab reads paragraph text as a small
markup language: an ``<`` or ``&`` in a finding must print as itself, not break (or restyle) the document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from .report import FRESHNESS_OF_SCAN_RECORD, ReportControl, ScanReport

# Bitstream Vera ships inside the reportlab wheel: an embedded font with a wider character set than the
# PDF base fonts, and nothing to install on the host.
FONT, FONT_BOLD, FONT_MONO = "Vera", "VeraBd", "Courier"
if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#f0f4f8")

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
MUTED_SMALL = ParagraphStyle("muted", parent=SMALL, textColor=MUTED)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8, leading=10)
CELL_HEAD = ParagraphStyle("cell_head", parent=CELL, fontName=FONT_BOLD)
CELL_NUM = ParagraphStyle("cell_num", parent=CELL, alignment=TA_RIGHT)
MONO = ParagraphStyle("mono", parent=CELL, fontName=FONT_MONO, fontSize=7, leading=9)
TITLE = ParagraphStyle("title", parent=BODY, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=BODY, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=12, spaceAfter=6)
H3 = ParagraphStyle("h3", parent=BODY, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=2)

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
)

FRESHNESS_WORDS = {
    "fresh": "Fresh",
    "expiring": "Expiring within 30 days",
    "expired": "Expired",
    FRESHNESS_OF_SCAN_RECORD: "Scan record",
}


def _text(value: Any) -> str:
    """Plain text made safe for reportlab's paragraph markup; line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def when(value: datetime | None, missing: str) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value is not None else missing


def day(value: datetime | None, missing: str) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if value is not None else missing


def percent(value: float | None, missing: str) -> str:
    return f"{value:.1f}%" if value is not None else missing


def _p(value: Any, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(_text(value), style)


def _table(header: Sequence[str], rows: list[list[Flowable]], widths: Sequence[float]) -> Table:
    table = Table(
        [[Paragraph(_text(h), CELL_HEAD) for h in header], *rows],
        colWidths=[w * CONTENT_WIDTH for w in widths],
        repeatRows=1,
        # A row taller than a page (a 2,000-character justification in a narrow column) splits, not fails.
        splitInRow=1,
    )
    table.setStyle(GRID)
    return table


def _section(title: str) -> list[Flowable]:
    # A heading never sits alone at the foot of a page.
    return [CondPageBreak(40 * mm), Paragraph(_text(title), H2)]


def _header(report: ScanReport) -> list[Flowable]:
    facts = [
        ("Tenant", report.tenant_name),
        (
            "Framework",
            f"{report.framework_name} (key {report.framework_key}, version {report.framework_version or 'not stated'})",
        ),
        ("Scan", str(report.scan_id)),
        ("Started", when(report.started_at, "not recorded")),
        ("Completed", when(report.completed_at, "not recorded")),
        ("Generated", when(report.generated_at, "not recorded")),
    ]
    table = Table(
        [[Paragraph(_text(k), CELL_HEAD), _p(v)] for k, v in facts],
        colWidths=[0.18 * CONTENT_WIDTH, 0.82 * CONTENT_WIDTH],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, -1), (-1, -1), 0.4, RULE)]))
    flow: list[Flowable] = [Paragraph(_text(f"Compliance report: {report.framework_name}"), TITLE), table]
    if report.partial:
        flow += [Spacer(0, 4), _p(f"Partial scan: results cover only part of the scope. {report.scan_error}", BODY)]
    elif report.scan_error:
        flow += [Spacer(0, 4), _p(report.scan_error, BODY)]
    return flow


def _summary(report: ScanReport) -> list[Flowable]:
    s = report.summary
    score = (
        f"Score {percent(s.score, 'not computed')}: the passing share of the "
        f"{s.assessed if s.assessed is not None else s.passed + s.findings} controls really assessed "
        "(passed and real findings; controls that could not be evaluated are left out)."
    )
    if s.score is None:
        score = "No score: no control was assessed (none passed or failed on a real finding)."
    coverage = (
        f"Coverage {percent(s.coverage, 'not computed')}: the assessed share of the {s.applicable} applicable controls."
        if s.applicable is not None
        else "Coverage was not recorded for this scan (it predates coverage)."
    )

    def known(value: int | None) -> str:
        return str(value) if value is not None else "not recorded"

    rows = [
        ("Pass", str(s.passed)),
        ("Fail (real findings)", str(s.findings)),
        ("Could not evaluate", str(s.could_not_evaluate)),
        ("Not applicable: excluded from scope", known(s.excluded)),
        ("Not applicable: not assessed", known(s.unassessed)),
        ("Total controls", str(s.total)),
    ]
    table = _table(["Result", "Controls"], [[_p(label), _p(n, CELL_NUM)] for label, n in rows], widths=(0.55, 0.15))
    table.hAlign = "LEFT"
    return [
        *_section("Score and coverage"),
        _p(score, BODY),
        Spacer(0, 3),
        _p(coverage, BODY),
        Spacer(0, 6),
        table,
        Spacer(0, 3),
        _p(
            f"The API's 'failed' count for this framework ({s.failed}) is real findings and could-not-evaluate "
            "together; they are shown apart here.",
            MUTED_SMALL,
        ),
    ]


def _control_block(control: ReportControl) -> list[Flowable]:
    head = Paragraph(f"{_text(control.ref)} · {_text(control.title)}", H3)
    flow: list[Flowable] = [head, _p(control.finding or "The scan recorded no finding text.", SMALL)]
    if control.checks:
        rows = [
            [
                Paragraph(f"{_text(c.title)}<br/><font face='{FONT_MONO}' size='6.5'>{_text(c.check_id)}</font>", CELL),
                _p(c.severity),
                _p(
                    "Could not evaluate"
                    if c.could_not_evaluate
                    else f"Fail: {c.failed} of {c.total} resource{'s' if c.total != 1 else ''}"
                ),
                _p(c.remediation or "No remediation recorded for this check."),
            ]
            for c in control.checks
        ]
        flow += [Spacer(0, 3), _table(["Check", "Severity", "Result", "Remediation"], rows, (0.3, 0.1, 0.14, 0.46))]
    else:
        flow.append(
            _p("No failing check is recorded for this control; the finding above says why it fails.", MUTED_SMALL)
        )
    # Keep a short control together; a long one may split, with its table header repeated.
    return [KeepTogether(flow[:2]), *flow[2:], Spacer(0, 6)]


def _controls(title: str, controls: Sequence[ReportControl], empty: str) -> list[Flowable]:
    flow = _section(title)
    if not controls:
        return [*flow, _p(empty, BODY)]
    for control in controls:
        flow += _control_block(control)
    return flow


def _excluded(report: ScanReport) -> list[Flowable]:
    flow = _section("Excluded from scope (not applicable)")
    if not report.excluded:
        return [*flow, _p("No control of this framework was excluded from scope in this scan.", BODY)]
    rows = []
    for c in report.excluded:
        if c.still_excluded:
            justification = c.justification or "No justification was recorded."
            decided = f"{c.decided_by or 'a former user'}, {day(c.decided_at, 'date not recorded')}"
        else:
            justification = f"Brought back into scope since the scan. At the scan: {c.scan_finding}"
            decided = "see justification"
        rows.append([_p(c.ref), _p(c.title), _p(justification), _p(decided)])
    return [*flow, _table(["Control", "Title", "Justification", "Decided by, on"], rows, (0.1, 0.27, 0.43, 0.2))]


def _unassessed(report: ScanReport) -> list[Flowable]:
    flow = _section("Not assessed (not applicable)")
    if not report.unassessed:
        return [*flow, _p("Every applicable control was assessed by a check or a document.", BODY)]
    rows = [[_p(c.ref), _p(c.title), _p(c.reason or "No reason recorded.", SMALL)] for c in report.unassessed]
    return [
        *flow,
        _p("No check ran on these controls and none needs a document, so they say nothing either way.", SMALL),
        Spacer(0, 4),
        _table(["Control", "Title", "Why"], rows, (0.1, 0.4, 0.5)),
    ]


def _evidence(report: ScanReport) -> list[Flowable]:
    flow = _section("Evidence index")
    if not report.evidence:
        return [*flow, _p("No document or scan record supports this framework's controls in this scan.", BODY)]
    flow += [
        _p(
            "Documents linked to the framework's controls when the scan completed, with their freshness as of "
            f"{when(report.evidence_as_of, 'the scan')}, then the scan's own record of each assessed result. "
            "Each SHA-256 can be checked against the stored file.",
            SMALL,
        ),
        Spacer(0, 4),
    ]
    header = [
        Paragraph(_text(h), CELL_HEAD) for h in ("Evidence", "Control(s)", "Collected", "Valid until", "Freshness")
    ]
    data: list[list[Any]] = [header]
    style = list(GRID.getCommands())
    for entry in report.evidence:
        kind = "Document" if entry.kind == "manual" else "Scan record"
        valid = (
            day(entry.valid_until, "")
            if entry.valid_until
            else ("Does not expire" if entry.kind == "manual" else "No expiry (records a moment)")
        )
        data.append(
            [
                Paragraph(f"{_text(entry.name)}<br/><font color='#52606d' size='6.5'>{kind}</font>", CELL),
                _p(", ".join(entry.control_refs)),
                _p(day(entry.collected_at, "not recorded")),
                _p(valid),
                _p(FRESHNESS_WORDS.get(entry.freshness, entry.freshness)),
            ]
        )
        # The hash gets a full-width row of its own, so it is never broken across lines.
        data.append([Paragraph(f"SHA-256 {_text(entry.sha256)}", MONO), "", "", "", ""])
        row = len(data) - 1
        style += [("SPAN", (0, row), (-1, row)), ("LINEABOVE", (0, row), (-1, row), 0.2, SHADE)]
    table = Table(
        data, colWidths=[w * CONTENT_WIDTH for w in (0.38, 0.18, 0.13, 0.15, 0.16)], repeatRows=1, splitInRow=1
    )
    table.setStyle(TableStyle(style))
    return [*flow, table]


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so each footer can say how many pages there are."""

    def __init__(self, *args: Any, report: ScanReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._report = report
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        report = self._report
        self.saveState()
        self.setFont(FONT, 7)
        self.setFillColor(MUTED)
        top = PAGE_HEIGHT - MARGIN / 2
        self.drawString(MARGIN, top, f"ComplyWise · {report.tenant_name} · {report.framework_name}")
        self.drawRightString(PAGE_WIDTH - MARGIN, top, f"Scan {report.scan_short_id}")
        bottom = MARGIN / 2
        self.drawString(MARGIN, bottom, f"Generated {when(report.generated_at, '')}")
        self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"Page {number} of {total}")
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(MARGIN, top - 3, PAGE_WIDTH - MARGIN, top - 3)
        self.line(MARGIN, bottom + 8, PAGE_WIDTH - MARGIN, bottom + 8)
        self.restoreState()


def a4_document(buffer: IO[bytes], *, title: str, subject: str) -> SimpleDocTemplate:
    """An A4 document with the house margins and ComplyWise as author and creator (every PDF we produce)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="ComplyWise",
        subject=subject,
        creator="ComplyWise",
    )


def scan_report_pdf(report: ScanReport, out: IO[bytes] | None = None) -> bytes:
    """Render the report; written to ``out`` when given, and returned as bytes."""
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"Compliance report: {report.framework_name}, scan {report.scan_short_id}",
        subject=f"{report.tenant_name}: {report.framework_key} scan {report.scan_id}",
    )
    story: list[Flowable] = [
        *_header(report),
        *_summary(report),
        *_controls(
            "Failing controls",
            report.failing,
            "No control failed on a real finding in this scan.",
        ),
        *_controls(
            "Could not be evaluated",
            report.could_not_evaluate,
            "No control failed only because a check could not evaluate.",
        ),
        *_excluded(report),
        *_unassessed(report),
        *_evidence(report),
    ]
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, report=report, **k))
    rendered = buffer.getvalue()
    if out is not None:
        out.write(rendered)
    return rendered
