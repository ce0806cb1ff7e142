"""The rule tests/check_coverage.py holds the suite to: each check passes and fails on what a real fake served."""

from __future__ import annotations

from integrations.registry import all_checks
from tests.check_coverage import BUILT, BUILT_ONLY, COLLECTED, FAIL, OWN_SERVER_ONLY, PASS, excuses, gaps

BOTH = {(COLLECTED, PASS), (COLLECTED, FAIL)}


def test_a_check_seen_passing_and_failing_on_collected_inventories_is_covered():
    assert gaps({"a.check": BOTH | {(BUILT, PASS)}}, [("a.check", "aws")], {}, ["aws"]) == []


def test_a_status_seen_only_on_a_built_inventory_is_not_enough():
    # given a check whose fail was only ever seen on a hand-built inventory, and another never run at all
    seen = {"a.check": {(COLLECTED, PASS), (BUILT, FAIL)}}
    # when / then both are reported, naming the missing status
    assert gaps(seen, [("a.check", "aws"), ("b.check", "aws")], {}, ["aws"]) == [
        "a.check: never gave fail on an inventory a fake served",
        "b.check: never gave pass on an inventory a fake served",
        "b.check: never gave fail on an inventory a fake served",
    ]


def test_an_excused_status_must_still_be_seen_on_a_built_inventory():
    excused = {"a.check": {PASS: "no fake can"}}
    assert gaps({"a.check": {(COLLECTED, FAIL), (BUILT, PASS)}}, [("a.check", "aws")], excused, ["aws"]) == []
    assert gaps({"a.check": {(COLLECTED, FAIL)}}, [("a.check", "aws")], excused, ["aws"]) == [
        "a.check: never gave pass, not even on a built inventory"
    ]


def test_an_excuse_no_longer_needed_or_for_no_check_is_reported():
    excused = {"a.check": {PASS: "no fake could"}, "gone.check": {FAIL: "removed since"}}
    assert gaps({"a.check": BOTH}, [("a.check", "aws")], excused, ["aws"]) == [
        "a.check: gives pass on a collected inventory now; drop it from BUILT_ONLY",
        "gone.check: in BUILT_ONLY but not a registered check",
    ]


def test_a_type_whose_fake_was_missing_is_not_judged():
    # given a run where no PostgreSQL inventory was collected (no server on this machine), only built ones
    seen = {"pg.check": {(BUILT, PASS), (BUILT, FAIL)}, "a.check": BOTH}
    checks = [("pg.check", "postgres"), ("a.check", "aws")]
    # when / then the PostgreSQL check is left alone, and a judged type still is judged
    assert gaps(seen, checks, {}, ["aws"]) == []
    assert gaps(seen, checks, {}, ["aws", "postgres"]) == [
        "pg.check: never gave pass on an inventory a fake served",
        "pg.check: never gave fail on an inventory a fake served",
    ]


def test_every_excuse_names_a_registered_check_a_status_and_a_reason():
    registered = {check.id: check.integration_type for check in all_checks()}
    own = {check_id: t for t, entries in OWN_SERVER_ONLY.items() for check_id in entries}
    assert set(BUILT_ONLY) <= set(registered) and set(own) <= set(registered)
    assert all(registered[check_id] == t for check_id, t in own.items())
    for excused in [*BUILT_ONLY.values(), *(e for entries in OWN_SERVER_ONLY.values() for e in entries.values())]:
        assert excused and set(excused) <= {PASS, FAIL}
        assert all(len(reason) > 20 for reason in excused.values())
    # and the excuses stay few: most checks are proven both ways against moto or a local server
    assert len(excuses([])) * 10 < len(registered)


def test_own_server_statuses_are_excused_only_where_no_own_server_ran():
    # given the PostgreSQL statuses only a server of the tests' own gives
    needed = OWN_SERVER_ONLY["postgres"]
    # when / then a run that started one must prove them on it; a run that could not is excused
    assert not set(needed) & set(excuses(["postgres"]))
    assert all(excuses([])[check_id] == statuses for check_id, statuses in needed.items())
