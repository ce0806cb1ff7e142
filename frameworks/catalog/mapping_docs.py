"""docs/mappings.md, written from the mapping files: every check, the controls it serves and why.

``manage.py mapping_docs --write`` regenerates the file; a test fails when it is stale.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from integrations.registry import get_check

from .shipped import CATALOG_DIR, MAPPINGS_SUBDIR, mapping_files_read, mapping_rationales

DOC_PATH = CATALOG_DIR.parent.parent / "docs" / "mappings.md"
# Columns in this order; any other framework key follows, alphabetically.
FRAMEWORK_ORDER = [
    "soc2",
    "iso27001-2022",
    "iso27001-2022-isms",
    "nist-800-53-r5-moderate",
    "nist-csf-2",
    "pci-dss-4",
    "cis-aws",
    "cis-aws-7",
    "cis-controls-8",
    "hipaa-security",
]


def _framework_key_order(keys: set[str]) -> list[str]:
    known = [key for key in FRAMEWORK_ORDER if key in keys]
    return known + sorted(keys - set(known))


def mapping_docs_markdown(directory: Path | None = None) -> str:
    root = directory or CATALOG_DIR
    paths = sorted((root / MAPPINGS_SUBDIR).glob("*.yaml"))
    mappings = mapping_files_read(paths)
    rationales = mapping_rationales(paths)
    by_provider: dict[str, list[str]] = defaultdict(list)
    for check_id in mappings:
        by_provider[check_id.split(".", 1)[0]].append(check_id)
    lines = [
        "# Check ↔ control mappings",
        "",
        "Generated from `frameworks/catalogs/mappings/*.yaml` by `manage.py mapping_docs --write`; a test fails",
        "when this file is stale. Each check lists the controls it serves per framework and, below, why (one line",
        "per mapping file, named). Challenge a line by editing its `rationale:` and refs in that YAML file.",
        "",
    ]
    for provider in sorted(by_provider):
        check_ids = sorted(by_provider[provider])
        lines += [f"## {provider} ({len(check_ids)} checks)", ""]
        for check_id in check_ids:
            check = get_check(check_id)
            title = check.title if check is not None else "(not registered)"
            lines.append(f"### `{check_id}` — {title}")
            lines.append("")
            frameworks = mappings[check_id]
            for key in _framework_key_order(set(frameworks)):
                lines.append(f"- **{key}**: {', '.join(frameworks[key][1])}")
            for file_name, reason in sorted(rationales.get(check_id, [])):
                lines.append(f"- *why* ({file_name}): {reason}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
