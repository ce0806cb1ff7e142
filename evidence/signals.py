"""Questions the evidence app asks the apps above it, so it never imports them (see the layers in README)."""

from django.dispatch import Signal

# Sent while an auditor bundle is built, with ``export`` (an EvidenceExport) and ``control_ids``. A receiver
# returns {control_id: {"status", "scan_job_id", "created_at"}}: each control's latest verdict in the export's
# window. The scans app answers it; with no receiver the bundle simply lists no verdicts.
latest_verdicts_requested = Signal()
