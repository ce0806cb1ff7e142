"""How scans answers the questions lower apps ask through signals (connected in ScansConfig.ready)."""

from __future__ import annotations

from typing import Any

from .selectors import latest_verdicts_in_window


def answer_latest_verdicts(*, export: Any, control_ids: list[Any], **kwargs: Any) -> dict[Any, dict[str, Any]]:
    """For an auditor bundle (evidence.signals.latest_verdicts_requested): the verdicts in its window."""
    return latest_verdicts_in_window(
        tenant_id=export.tenant_id, control_ids=control_ids, start=export.period_start, end=export.period_end
    )
