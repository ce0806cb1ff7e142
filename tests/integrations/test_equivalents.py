"""Other scanners' checks mapped to ours: the shipped data is sound, searchable in the API and documented."""

from __future__ import annotations

import textwrap

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations.equivalents import (
    FILE_NAME,
    PROVIDERS_DIR,
    Match,
    all_equivalents,
    crosswalk_documents,
    read_equivalents_file,
)
from integrations.registry import get_check

# --- the shipped files ------------------------------------------------------------------------------------------


def test_aws_ships_the_prowler_crosswalk_for_every_check_the_framework_maps_name():
    # given the shipped AWS file
    rows = [e for e in all_equivalents() if e.integration_type == "aws"]
    # then it answers each of the 450 Prowler checks that public AWS framework maps name, once
    assert {e.scanner for e in rows} == {"prowler"}
    assert len(rows) == len({e.id for e in rows}) >= 450
    # and most of them are answered by a check of ours
    answered = [e for e in rows if e.match is not Match.NONE]
    assert len(answered) > len(rows) * 0.7


def test_every_check_named_is_a_registered_check_of_that_provider():
    for equivalent in all_equivalents():
        for check_id in equivalent.check_ids:
            check = get_check(check_id)
            assert check is not None, (equivalent.id, check_id)
            assert check.integration_type == equivalent.integration_type, (equivalent.id, check_id)


def test_the_crosswalk_documents_are_generated_from_the_files():
    # given the equivalents files as they are
    documents = crosswalk_documents()
    assert documents, "no crosswalk document"
    # then each shipped document is exactly what they produce (regenerate: manage.py mapping_docs --write)
    for path, text in documents.items():
        assert path.read_text(encoding="utf-8") == text, path.name


def test_a_crosswalk_document_lists_each_row_with_its_checks_and_note():
    # given the AWS document
    text = crosswalk_documents()[PROVIDERS_DIR.parent.parent / "docs" / "prowler-aws-crosswalk.md"]
    for equivalent in all_equivalents():
        if equivalent.integration_type != "aws":
            continue
        # then each Prowler check has its row, naming ours and how they match
        line = next(line for line in text.splitlines() if line.startswith(f"| `{equivalent.id}` |"))
        assert f"| {equivalent.match} |" in line
        for check_id in equivalent.check_ids:
            assert f"`{check_id}`" in line


# --- the file format --------------------------------------------------------------------------------------------


def write(tmp_path, body: str):
    path = tmp_path / FILE_NAME
    path.write_text("scanner: other\nchecks:\n" + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return path


def test_reads_same_partial_and_none(tmp_path):
    # given one entry of each kind
    path = write(
        tmp_path,
        """
        a_same:
          match: same
          checks: [aws.iam.root_mfa_enabled]
        b_partial:
          match: partial
          checks: [aws.iam.root_mfa_enabled, aws.iam.root_hardware_mfa_enabled]
          note: C
        c_none:
          match: none
          checks: []
          note: Not collected.
        """,
    )
    # when it is read
    rows = read_equivalents_file(path, "aws")
    # then each keeps its match, our checks and its note
    assert [(r.scanner, r.id, r.match, r.check_ids, r.note) for r in rows] == [
        ("other", "a_same", Match.SAME, ("aws.iam.root_mfa_enabled",), ""),
        ("other", "b_partial", Match.PARTIAL, ("aws.iam.root_mfa_enabled", "aws.iam.root_hardware_mfa_enabled"), "C"),
        ("other", "c_none", Match.NONE, (), "Not collected."),
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("x:\n  match: similar\n  checks: [a]\n", "match must be one of"),
        ("x:\n  match: none\n  checks: [a]\n  note: n\n", "lists no check of ours"),
        ("x:\n  match: same\n  checks: []\n", "needs the checks of ours"),
        ("x:\n  match: partial\n  checks: [a]\n", "needs a note"),
        ("x:\n  match: none\n  checks: []\n", "needs a note"),
        ("x:\n  match: same\n  checks: a\n", "must be a list"),
        ("x:\n  match: same\n  checks: [a, a]\n", "listed twice"),
        ("x:\n  match: same\n  checks: [a]\n  why: b\n", "expected 'match'"),
        (f"x:\n  match: partial\n  checks: [a]\n  note: {'n' * 241}\n", "at most 240"),
        ("x:\n  match: same\n  checks: [a]\nx:\n  match: same\n  checks: [b]\n", "given twice"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_file_and_id(tmp_path, body, says):
    # given a file with one malformed entry
    path = write(tmp_path, body)
    # when it is read, then the error says where and what
    with pytest.raises(ImproperlyConfigured, match=says) as error:
        read_equivalents_file(path, "aws")
    assert str(path) in str(error.value)


def test_a_file_without_scanner_or_checks_is_refused(tmp_path):
    path = tmp_path / FILE_NAME
    path.write_text("checks: {}\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="'scanner'"):
        read_equivalents_file(path, "aws")


# --- the API ----------------------------------------------------------------------------------------------------


def an_answered_prowler_check(match: Match):
    return next(e for e in all_equivalents() if e.scanner == "prowler" and e.match is match)


@pytest.mark.django_db
def test_the_check_api_finds_ours_by_the_other_scanners_id(client_for, tenant):
    # given a Prowler check that ours answer
    equivalent = an_answered_prowler_check(Match.SAME)
    # when a user searches the checks for its id
    response = client_for(tenant, "auditor").get(f"/api/checks?search={equivalent.id}&limit=1000")
    # then ours come back, each naming the Prowler check it answers
    assert response.status_code == 200
    results = response.json()["results"]
    assert set(equivalent.check_ids) <= {r["id"] for r in results}
    for row in results:
        if row["id"] in equivalent.check_ids:
            assert {"scanner": "prowler", "id": equivalent.id, "match": "same", "note": equivalent.note} in row[
                "equivalents"
            ]


@pytest.mark.django_db
def test_a_check_shows_the_partial_equivalents_with_what_differs(admin_client):
    # given a Prowler check ours answer in part
    equivalent = an_answered_prowler_check(Match.PARTIAL)
    # when one of ours is read
    row = admin_client.get(f"/api/checks/{equivalent.check_ids[0]}").json()
    # then the partial equivalent is there with its note
    assert {"scanner": "prowler", "id": equivalent.id, "match": "partial", "note": equivalent.note} in row[
        "equivalents"
    ]


@pytest.mark.django_db
def test_a_check_nothing_else_answers_has_no_equivalents_and_unchecked_ids_find_nothing(admin_client):
    # given a Prowler check we do not have
    unchecked = an_answered_prowler_check(Match.NONE)
    # when its id is searched, then nothing of ours claims to answer it
    response = admin_client.get(f"/api/checks?search={unchecked.id}&limit=1000")
    assert response.status_code == 200
    assert all(unchecked.id not in [e["id"] for e in r["equivalents"]] for r in response.json()["results"])
    # and a check of another provider lists no equivalents
    assert admin_client.get("/api/checks/host.accounts.no_empty_passwords").json().get("equivalents", []) == []
