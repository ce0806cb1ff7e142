"""docs/mappings.md lists every mapped check with its controls and the reason, and is never stale."""

from __future__ import annotations

from frameworks.catalog import CATALOG_DIR, MAPPINGS_SUBDIR, mapping_files_read
from frameworks.catalog.mapping_docs import DOC_PATH, mapping_docs_markdown
from integrations.registry import all_checks


def test_the_mapping_document_is_generated_from_the_files():
    # given the mapping files as they are
    expected = mapping_docs_markdown()
    # then the shipped document is exactly what they produce (regenerate: manage.py mapping_docs --write)
    assert DOC_PATH.read_text(encoding="utf-8") == expected


def test_every_registered_check_is_listed_with_its_controls_and_reasons():
    text = DOC_PATH.read_text(encoding="utf-8")
    mappings = mapping_files_read(sorted((CATALOG_DIR / MAPPINGS_SUBDIR).glob("*.yaml")))
    for check in all_checks():
        section = text.split(f"### `{check.id}` — ", 1)
        assert len(section) == 2, check.id
        body = section[1].split("\n### ", 1)[0]
        assert check.title in body and "*why* (" in body, check.id
        for key, (_, refs) in mappings[check.id].items():
            assert f"- **{key}**: {', '.join(refs)}" in body, (check.id, key)
