"""A completed scan as OSCAL 1.0.6 JSON: assessment results and a plan of action and milestones (POA&M).

Both documents are written piece by piece (``assessment_results_parts`` / ``poam_parts`` yield text), so a scan with
a million outcomes is never held in memory: outcomes, resources and each finding's observation links are read in
chunks while the text is produced. Every UUID is a uuid5 of the scan (or tenant) and a name, so the same scan always
gives the same bytes. What maps to what, and the choices made: docs/OSCAL.md.
"""

from .assessment_results import assessment_results_parts
from .document import NS, oscal_control_id, require_completed
from .poam import poam_parts

__all__ = ["NS", "assessment_results_parts", "oscal_control_id", "poam_parts", "require_completed"]
