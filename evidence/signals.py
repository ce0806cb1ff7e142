"""Questions the evidence app asks, and events it announces, to the apps above it, so it never imports them."""

from django.dispatch import Signal

# Sent while an auditor bundle is built, with ``export`` (an EvidenceExport) and ``control_ids``. A receiver
# returns {control_id: {"status", "scan_job_id", "created_at"}}: each control's latest verdict in the export's
# window. The scans app answers it; with no receiver the bundle simply lists no verdicts.
latest_verdicts_requested = Signal()

# Sent after the commit that stored a manually uploaded document, with ``evidence_id`` and ``tenant_id``.
evidence_uploaded = Signal()
