"""Tests for frameworks.oscal: pure Python, no Django, using small hand-written OSCAL samples."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from frameworks.oscal import (
    OscalCatalog,
    OscalControl,
    OscalError,
    apply_profile,
    load_json,
    parse_catalog,
    profile_selection,
)

DATA = Path(__file__).parent / "data"
CATALOG_PATH = DATA / "oscal_sample_catalog.json"
PROFILE_PATH = DATA / "oscal_sample_profile.json"


@pytest.fixture
def catalog_doc() -> dict[str, Any]:
    return load_json(CATALOG_PATH)


@pytest.fixture
def profile_doc() -> dict[str, Any]:
    return load_json(PROFILE_PATH)


@pytest.fixture
def catalog(catalog_doc: dict[str, Any]) -> OscalCatalog:
    return parse_catalog(catalog_doc)


def by_id(catalog: OscalCatalog) -> dict[str, OscalControl]:
    return {control.id: control for control in catalog.controls}


def profile_with(*imports: dict[str, Any]) -> dict[str, Any]:
    return {"profile": {"metadata": {"title": "Inline", "version": "0.1"}, "imports": list(imports)}}


def catalog_with(*controls: dict[str, Any], **catalog_fields: Any) -> dict[str, Any]:
    return {"catalog": {"metadata": {"title": "Inline", "version": "0"}, "controls": list(controls), **catalog_fields}}


# --------------------------------------------------------------------------- load_json


def test_load_json_reads_path_str_and_open_files() -> None:
    # given the sample catalog as a Path, a str path, a text stream and a binary stream
    text = CATALOG_PATH.read_text(encoding="utf-8")
    sources = [CATALOG_PATH, str(CATALOG_PATH), io.StringIO(text), io.BytesIO(text.encode("utf-8"))]
    # when each is loaded
    documents = [load_json(source) for source in sources]
    # then all give the same object
    assert all(doc == documents[0] for doc in documents)
    assert documents[0]["catalog"]["metadata"]["version"] == "1.2.3"


def test_load_json_accepts_a_utf8_bom() -> None:
    # given JSON text preceded by a byte-order mark, as text and as bytes
    payload = '\ufeff{"catalog": {}}'
    # when loaded / then the BOM is ignored
    assert load_json(io.StringIO(payload)) == {"catalog": {}}
    assert load_json(io.BytesIO(payload.encode("utf-8"))) == {"catalog": {}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<catalog>xml, not json</catalog>", "not OSCAL JSON"),
        (b'{"catalog": ', "not OSCAL JSON"),
        (b"", "not OSCAL JSON"),
        (b"\xff\xfe\x00garbage", "not OSCAL JSON"),
        (b"[1, 2, 3]", "top-level value is an array, expected an object"),
        (b'"just a string"', "top-level value is a string, expected an object"),
    ],
)
def test_load_json_rejects_non_json_and_non_objects(tmp_path: Path, content: bytes, message: str) -> None:
    # given a file whose content is not a JSON object
    path = tmp_path / "input.json"
    path.write_bytes(content)
    # when loaded / then a clear OscalError naming the file is raised (not a decode traceback)
    with pytest.raises(OscalError, match=message) as caught:
        load_json(path)
    assert str(path) in str(caught.value)


def test_load_json_reports_missing_file(tmp_path: Path) -> None:
    # given a path that does not exist
    missing = tmp_path / "absent.json"
    # when loaded / then OscalError explains it cannot be read
    with pytest.raises(OscalError, match=r"cannot read .*absent\.json"):
        load_json(missing)


# --------------------------------------------------------------------------- parse_catalog: structure


def test_catalog_metadata_and_document_order(catalog: OscalCatalog) -> None:
    # given the sample catalog (parsed by the fixture)
    # then metadata is copied and controls come in document order, enhancements right after their base
    assert (catalog.title, catalog.version) == ("ComplyWise Sample Catalog", "1.2.3")
    assert [c.id for c in catalog.controls] == [
        "zz-1",
        "zz-1.1",
        "ac-1",
        "ac-2",
        "ac-2.1",
        "ac-3.1",
        "sc-7",
        "sc-7.3",
        "ir-1",
        "ir-4",
    ]
    assert [c.sort_index for c in catalog.controls] == list(range(len(catalog.controls)))
    assert catalog.warnings == []


def test_groups_become_group_names(catalog: OscalCatalog) -> None:
    # given controls in id-only groups, a label-prop group with no id, a nested group, and no group
    controls = by_id(catalog)
    # then the group name is "<label or ID> <title>" of the nearest group, "" when ungrouped
    assert controls["ac-1"].group == "AC Access Control"
    assert controls["ac-2.1"].group == "AC Access Control"
    assert controls["sc-7.3"].group == "SC System and Communications Protection"
    assert controls["ir-1"].group == "IR Incident Response"
    assert controls["ir-4"].group == "IR-HANDLING Incident Handling"
    assert controls["zz-1"].group == ""


def test_enhancement_refs_and_parents(catalog: OscalCatalog) -> None:
    # given base controls and enhancements with label props
    controls = by_id(catalog)
    # then ref is the label and enhancements point at their base control
    assert (controls["ac-2"].ref, controls["ac-2"].parent_ref, controls["ac-2"].parent_id) == ("AC-2", None, None)
    assert (controls["ac-2.1"].ref, controls["ac-2.1"].parent_ref, controls["ac-2.1"].parent_id) == (
        "AC-2(1)",
        "AC-2",
        "ac-2",
    )
    assert controls["ac-2.1"].title == "Automated System Account Management"


def test_plain_label_wins_over_classed_label(catalog: OscalCatalog) -> None:
    # given sc-7.3 with a class="sp800-53a" label listed before the plain one
    # then the plain label is used
    assert by_id(catalog)["sc-7.3"].ref == "SC-7(3)"


def test_ref_is_derived_from_id_without_label(catalog: OscalCatalog) -> None:
    # given zz-1 and zz-1.1 which have no label prop
    controls = by_id(catalog)
    # then refs are derived from the ids
    assert controls["zz-1"].ref == "ZZ-1"
    assert (controls["zz-1.1"].ref, controls["zz-1.1"].parent_ref) == ("ZZ-1(1)", "ZZ-1")


def test_withdrawn_controls_are_skipped_but_live_children_kept(catalog: OscalCatalog) -> None:
    # given ac-2.2 (withdrawn enhancement), ac-3 (withdrawn base), ac-3.1 (live) and ac-3.2 (withdrawn)
    controls = by_id(catalog)
    # then only the live enhancement survives, still pointing at its withdrawn base
    assert {"ac-2.2", "ac-3", "ac-3.2"}.isdisjoint(controls)
    assert (controls["ac-3.1"].ref, controls["ac-3.1"].parent_ref) == ("AC-3(1)", "AC-3")


def test_withdrawn_status_is_case_insensitive() -> None:
    # given a control whose status prop says "Withdrawn"
    doc = catalog_with({"id": "x-1", "title": "Old", "props": [{"name": "status", "value": "Withdrawn"}]})
    # when parsed / then it is skipped
    assert parse_catalog(doc).controls == []


def test_duplicate_control_ids_warn_and_keep_the_first() -> None:
    # given two controls sharing an id
    doc = catalog_with({"id": "x-1", "title": "First"}, {"id": "x-1", "title": "Second"})
    # when parsed
    result = parse_catalog(doc)
    # then the first is kept and a warning names the duplicate
    assert [c.title for c in result.controls] == ["First"]
    assert result.warnings == ["duplicate control id 'x-1' in catalog: later occurrence skipped"]


def test_controls_are_immutable(catalog: OscalCatalog) -> None:
    # given a parsed control
    control = catalog.controls[0]
    # when mutated / then the frozen dataclass refuses
    with pytest.raises(AttributeError):
        control.title = "changed"  # type: ignore[misc]


# --------------------------------------------------------------------------- descriptions and params


def test_nested_statement_parts_are_flattened_with_labels(catalog: OscalCatalog) -> None:
    # given ac-1 whose statement has items a./b. with sub-items 1./2. and a guidance part
    description = by_id(catalog)["ac-1"].description
    # then each part is one line "<label> <prose>", indented by depth, params inserted, guidance left out
    assert description == "\n".join(
        [
            "a. Develop and disseminate to [Assignment: organization-defined personnel or roles]:",
            "  1. [Selection (one or more): Organization-level; System-level] access control policy; and",
            "  2. Procedures, reviewed [Selection: annually; every [Assignment: organization-defined interval]].",
            "b. Review the policy [Assignment: organization-defined review frequency] and keep records"
            " for at least 90 days.",
        ]
    )
    assert "Guidance" not in description


def test_param_label_becomes_assignment(catalog: OscalCatalog) -> None:
    # given a param with only a label
    # then it is rendered as an Assignment placeholder
    assert "[Assignment: organization-defined personnel or roles]" in by_id(catalog)["ac-1"].description


def test_param_select_becomes_selection(catalog: OscalCatalog) -> None:
    # given a one-or-more select and a single select whose choice inserts another param
    description = by_id(catalog)["ac-1"].description
    # then choices are listed with "; " and nested inserts are resolved too
    assert "[Selection (one or more): Organization-level; System-level]" in description
    assert "[Selection: annually; every [Assignment: organization-defined interval]]" in description


def test_param_values_win_over_label(catalog: OscalCatalog) -> None:
    # given a group-level param with both a label and values
    description = by_id(catalog)["ac-1"].description
    # then the value is inserted as plain text
    assert "keep records for at least 90 days." in description
    assert "retention period" not in description


def test_unknown_param_keeps_its_id(catalog: OscalCatalog) -> None:
    # given ac-2 which inserts a param defined nowhere
    # then the placeholder names the param id
    assert by_id(catalog)["ac-2"].description == (
        "Disable accounts within [Assignment: organization-defined time period] using [Assignment: zz-99_odp.01]."
    )


def test_params_resolve_from_ancestors_and_catalog_wide(catalog: OscalCatalog) -> None:
    # given params defined on the base control, on the catalog, and on an unrelated control
    controls = by_id(catalog)
    # then an enhancement sees its own and its base control's params
    assert controls["ac-2.1"].description == (
        "Support account management using [Assignment: organization-defined automated mechanisms]"
        " within [Assignment: organization-defined time period]."
    )
    # and catalog-level params resolve in an ungrouped control
    assert controls["zz-1"].description == "Review the inventory [Assignment: organization-defined review frequency]."
    # and a param of another control (ac-2) resolves through the catalog-wide map
    assert controls["sc-7.3"].description.endswith("within [Assignment: organization-defined time period].")


def test_nearest_param_definition_wins() -> None:
    # given the same param id defined on the catalog and, differently, on the control
    doc = catalog_with(
        {
            "id": "x-1",
            "title": "Local",
            "params": [{"id": "p", "label": "local label"}],
            "parts": [{"name": "statement", "prose": "Use {{ insert: param, p }}."}],
        },
        params=[{"id": "p", "label": "catalog label"}],
    )
    # when parsed / then the control's own definition is used
    assert parse_catalog(doc).controls[0].description == "Use [Assignment: local label]."


def test_self_referencing_param_does_not_loop() -> None:
    # given a select whose choice inserts the same param
    doc = catalog_with(
        {
            "id": "x-1",
            "title": "Loop",
            "params": [{"id": "p", "select": {"choice": ["a", "b {{ insert: param, p }}"]}}],
            "parts": [{"name": "statement", "prose": "Pick {{ insert: param, p }}."}],
        }
    )
    # when parsed / then the inner reference falls back to the id instead of recursing forever
    assert parse_catalog(doc).controls[0].description == "Pick [Selection: a; b [Assignment: p]]."


def test_control_without_statement_has_empty_description() -> None:
    # given a control with only a guidance part
    doc = catalog_with({"id": "x-1", "title": "No statement", "parts": [{"name": "guidance", "prose": "Hint."}]})
    # then the description is empty
    assert parse_catalog(doc).controls[0].description == ""


# --------------------------------------------------------------------------- profiles


def test_profile_selection_unions_imports_and_applies_exclusions(profile_doc: dict[str, Any]) -> None:
    # given a profile with two imports, the first excluding zz-1 and listing an unknown id
    # when the selection is computed without a catalog
    selection = profile_selection(profile_doc)
    # then it is the union of both imports minus the exclusion, ids kept as written
    assert selection == {"ac-1", "ac-2", "ac-2.1", "ac-2.2", "nope-9", "sc-7.3"}


def test_apply_profile_narrows_and_warns_about_missing(catalog: OscalCatalog, profile_doc: dict[str, Any]) -> None:
    # given the sample catalog and baseline profile
    # when the profile is applied
    baseline = apply_profile(catalog, profile_doc)
    # then only selected controls remain, in catalog order with their catalog sort_index
    assert [c.id for c in baseline.controls] == ["ac-1", "ac-2", "ac-2.1", "sc-7.3"]
    assert [c.sort_index for c in baseline.controls] == [2, 3, 4, 7]
    # and the title/version come from the profile metadata
    assert (baseline.title, baseline.version) == ("ComplyWise Sample Baseline", "2024.1")
    # and ids the catalog lacks (unknown or withdrawn) are reported, not raised
    assert baseline.warnings == [
        "profile selects 'ac-2.2', which is not in the catalog (unknown or withdrawn)",
        "profile selects 'nope-9', which is not in the catalog (unknown or withdrawn)",
    ]
    # and the input catalog is untouched
    assert len(catalog.controls) == 10


def test_include_all_is_none_without_catalog_and_everything_with_one(catalog: OscalCatalog) -> None:
    # given an include-all profile
    profile = profile_with({"href": "#x", "include-all": {}})
    # then the bare selection means "all", and applying keeps every control
    assert profile_selection(profile) is None
    assert profile_selection(profile, catalog) == {c.id for c in catalog.controls}
    assert apply_profile(catalog, profile).controls == catalog.controls


def test_include_all_with_exclusions(catalog: OscalCatalog) -> None:
    # given include-all minus two controls
    profile = profile_with({"href": "#x", "include-all": {}, "exclude-controls": [{"with-ids": ["ac-1", "ir-4"]}]})
    # when applied / then everything but those two remains
    assert [c.id for c in apply_profile(catalog, profile).controls] == [
        c.id for c in catalog.controls if c.id not in {"ac-1", "ir-4"}
    ]


def test_with_child_controls_and_matching_use_the_catalog(catalog: OscalCatalog) -> None:
    # given selectors that need the catalog: children of ac-2 and a glob over the sc family
    profile = profile_with(
        {
            "href": "#x",
            "include-controls": [
                {"with-ids": ["ac-2"], "with-child-controls": "yes"},
                {"matching": [{"pattern": "sc-*"}]},
            ],
            "exclude-controls": [{"with-ids": ["sc-7"]}],
        }
    )
    # when resolved with the catalog
    selection = profile_selection(profile, catalog)
    # then descendants and pattern matches are included, exclusions removed
    assert selection == {"ac-2", "ac-2.1", "sc-7.3"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"include-controls": [{"matching": [{"pattern": "ac-*"}]}]}, "'matching' patterns need the catalog"),
        ({"include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]}, "'with-child-controls' needs"),
        ({"include-all": {}, "exclude-controls": [{"with-ids": ["ac-1"]}]}, "'include-all' with 'exclude-controls'"),
    ],
)
def test_catalog_dependent_selectors_without_catalog_raise(entry: dict[str, Any], message: str) -> None:
    # given a selector that cannot be resolved from the profile alone
    # when the selection is computed without a catalog / then OscalError says a catalog is needed
    with pytest.raises(OscalError, match=message):
        profile_selection(profile_with({"href": "#x", **entry}))


def test_apply_profile_falls_back_to_catalog_metadata(catalog: OscalCatalog) -> None:
    # given a profile without metadata
    profile = {"profile": {"imports": [{"href": "#x", "include-controls": [{"with-ids": ["ir-1"]}]}]}}
    # when applied / then the catalog's title and version are kept
    baseline = apply_profile(catalog, profile)
    assert (baseline.title, baseline.version, [c.id for c in baseline.controls]) == (
        catalog.title,
        catalog.version,
        ["ir-1"],
    )


# --------------------------------------------------------------------------- error paths


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not OSCAL JSON: expected an object, got an array"),
        ("catalog", "not OSCAL JSON: expected an object, got a string"),
        ({}, "no 'catalog' object in the document"),
        ({"profile": {}}, r"no 'catalog' object in the document \(found 'profile' instead\)"),
        ({"catalog": []}, "'catalog' is an array, expected an object"),
        ({"catalog": {"controls": {}}}, "catalog: 'controls' is an object, expected an array"),
        ({"catalog": {"groups": ["ac"]}}, "catalog: group #1 is a string, expected an object"),
        ({"catalog": {"controls": [None]}}, "catalog: control #1 is null, expected an object"),
        ({"catalog": {"controls": [{"title": "No id"}]}}, "control #1 in catalog has no 'id'"),
        ({"catalog": {"groups": [{"id": "ac", "controls": [{"id": "  "}]}]}}, "control #1 in group 'ac' has no 'id'"),
    ],
)
def test_parse_catalog_errors(document: Any, message: str) -> None:
    # given a document that is not a usable catalog
    # when parsed / then OscalError carries a clear message
    with pytest.raises(OscalError, match=message):
        parse_catalog(document)


def test_enhancement_without_id_names_its_parent(catalog_doc: dict[str, Any]) -> None:
    # given the sample catalog with the id removed from ac-2.1
    broken = copy.deepcopy(catalog_doc)
    del broken["catalog"]["groups"][0]["controls"][1]["controls"][0]["id"]
    # when parsed / then the error points at the base control
    with pytest.raises(OscalError, match="control #1 in control 'ac-2' has no 'id'"):
        parse_catalog(broken)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (["profile"], "not OSCAL JSON: expected an object, got an array"),
        ({"catalog": {}}, r"no 'profile' object in the document \(found 'catalog' instead\)"),
        ({"profile": "x"}, "'profile' is a string, expected an object"),
        ({"profile": {}}, "profile has no 'imports'"),
        ({"profile": {"imports": []}}, "profile has no 'imports'"),
        ({"profile": {"imports": {"href": "#x"}}}, "profile: 'imports' is an object, expected an array"),
        ({"profile": {"imports": ["#x"]}}, "profile: import #1 is a string, expected an object"),
        ({"profile": {"imports": [{"href": "#x"}]}}, "profile import #1 has neither 'include-all' nor"),
        (
            {"profile": {"imports": [{"href": "#x", "include-controls": [{"with-ids": "ac-1"}]}]}},
            "profile import #1: 'with-ids' is a string, expected an array",
        ),
        (
            {"profile": {"imports": [{"href": "#x", "include-controls": [{"with-ids": ["ac-1", 7]}]}]}},
            "profile import #1: 'with-ids' contains a number, expected a control id",
        ),
        (
            {"profile": {"imports": [{"href": "#x", "include-controls": ["ac-1"]}]}},
            "profile import #1: include-controls entry #1 is a string, expected an object",
        ),
    ],
)
def test_profile_errors(catalog: OscalCatalog, document: Any, message: str) -> None:
    # given a document that is not a usable profile
    # when its selection is computed or it is applied / then OscalError carries a clear message
    with pytest.raises(OscalError, match=message):
        profile_selection(document)
    with pytest.raises(OscalError, match=message):
        apply_profile(catalog, document)


def test_round_trip_through_json_text(catalog_doc: dict[str, Any]) -> None:
    # given the sample re-serialised to text and read back through a stream
    stream = io.StringIO(json.dumps(catalog_doc))
    # when parsed / then the result equals parsing the dict directly
    assert parse_catalog(load_json(stream)) == parse_catalog(catalog_doc)
