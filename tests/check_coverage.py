"""Every check is seen to pass and to fail on what a real fake served, or the suite says which and why not.

A pytest plugin (loaded by ``tests/conftest.py``). While the suite runs it notes, for every outcome a registered
check gives, whether the inventory it judged came from a provider's own collection (``collect`` or
``collect_unit`` of the provider's client: moto, a local HTTP server, PostgreSQL, files on disk) or was built by
hand in a test. When the whole suite ran and passed, each check must have passed and failed at least once on a
collected inventory. An integration type none of whose checks passed or failed on a collected inventory (its
fake is missing on this machine: its tests skipped, its collections only failed) is named and left unjudged.
The few checks that no fake here can make pass or fail are listed in ``BUILT_ONLY`` with the reason; each must
then give that status on a built inventory, and must leave the list once a fake can. ``OWN_SERVER_ONLY`` lists
what only a server the tests start for themselves gives: required where one ran, excused where none could.
"""

from __future__ import annotations

import functools
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

COLLECTED = "collected"
BUILT = "built"
PASS, FAIL = "pass", "fail"

# check id -> {status no fake here gives: why}. The status is then proven on a hand-built inventory.
BUILT_ONLY: dict[str, dict[str, str]] = {
    "aws.iam.root_mfa_enabled": {PASS: "moto has no root user to enable an MFA device for (AccountMFAEnabled 0)"},
    "aws.iam.root_hardware_mfa_enabled": {PASS: "moto has no root user to enable an MFA device for"},
    "aws.iam.root_no_access_keys": {FAIL: "moto has no root user to give access keys to"},
    "aws.iam.root_not_used_recently": {
        PASS: "moto's credential report has no row for the root user",
        FAIL: "moto's credential report has no row for the root user",
    },
    "aws.iam.server_certificates_not_expired": {PASS: "moto gives every uploaded certificate an expiry in 2012"},
    "aws.s3.bucket_mfa_delete_enabled": {PASS: "moto drops MFADelete from a bucket's versioning configuration"},
    "postgres.audit.pgaudit_loaded": {PASS: "the test server has no pgaudit extension"},
}

# Statuses that only a server of the tests' own gives (tests/integrations/postgres/cluster.py: its pg_hba.conf, TLS
# and restart-only settings are the test's to choose). Required on a collected inventory in a run where one was
# started (``OWN_SERVERS``); excused like BUILT_ONLY where none could be (no PostgreSQL binaries on the machine).
OWN_SERVER_ONLY: dict[str, dict[str, dict[str, str]]] = {
    "postgres": {
        "postgres.connections.limits": {FAIL: "max_connections and superuser_reserved_connections take a restart"},
        "postgres.hba.no_cleartext_passwords": {FAIL: "the shared test server's pg_hba.conf has no password rule"},
        "postgres.hba.no_trust_over_network": {PASS: "the shared test server's pg_hba.conf trusts loopback TCP"},
        "postgres.hba.remote_connections_require_ssl": {FAIL: "the shared test server has only loopback rules"},
        "postgres.ssl.enabled": {PASS: "the shared test server has no certificate, so SSL is off"},
    }
}
# The integration types whose own server was started in this session (the fixtures that start one add it).
OWN_SERVERS: set[str] = set()


def excuses(own_servers: Iterable[str]) -> dict[str, dict[str, str]]:
    """BUILT_ONLY, and the own-server statuses of the types whose own server did not run."""
    ran = set(own_servers)
    merged = {check_id: dict(statuses) for check_id, statuses in BUILT_ONLY.items()}
    for integration_type, entries in OWN_SERVER_ONLY.items():
        if integration_type not in ran:
            for check_id, statuses in entries.items():
                merged.setdefault(check_id, {}).update(statuses)
    return merged


def gaps(
    seen: Mapping[str, set[tuple[str, str]]],
    checks: Iterable[tuple[str, str]],
    built_only: Mapping[str, Mapping[str, str]],
    judged_types: Iterable[str],
) -> list[str]:
    """What is missing, for the checks (id, integration type) of the judged types: a pass or a fail never seen on
    a collected inventory (and not excused), an excused status not seen on a built one either, or an excuse no
    longer needed. Empty when every judged check is covered."""
    judged = set(judged_types)
    registered = {check_id for check_id, _ in checks}
    problems = []
    for check_id, integration_type in sorted(checks):
        if integration_type not in judged:
            continue
        statuses = seen.get(check_id, set())
        excused = built_only.get(check_id, {})
        for status in (PASS, FAIL):
            if (COLLECTED, status) in statuses:
                if status in excused:
                    problems.append(f"{check_id}: gives {status} on a collected inventory now; drop it from BUILT_ONLY")
            elif status not in excused:
                problems.append(f"{check_id}: never gave {status} on an inventory a fake served")
            elif (BUILT, status) not in statuses:
                problems.append(f"{check_id}: never gave {status}, not even on a built inventory")
    problems += [
        f"{check_id}: in BUILT_ONLY but not a registered check" for check_id in built_only if check_id not in registered
    ]
    return problems


class CheckCoverage:
    def __init__(self) -> None:
        self.seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.installed = False

    # --- recording ------------------------------------------------------------------------------------------

    def install(self) -> None:
        from integrations import registry
        from integrations.providers import PROVIDER_MODULES

        self.installed = True
        run = registry.Check.run
        absorb = registry.Inventory.absorb

        @functools.wraps(run)
        def recorded_run(check: Any, inventory: Any) -> list[Any]:
            outcomes = run(check, inventory)
            source = COLLECTED if getattr(inventory, "_collected_by_provider", False) else BUILT
            self.seen[check.id].update((source, str(outcome.status)) for outcome in outcomes)
            return outcomes

        @functools.wraps(absorb)
        def marked_absorb(inventory: Any, other: Any) -> None:
            absorb(inventory, other)
            if getattr(other, "_collected_by_provider", False):
                inventory._collected_by_provider = True

        registry.Check.run = recorded_run  # type: ignore[method-assign]
        registry.Inventory.absorb = marked_absorb  # type: ignore[method-assign]
        for module_name in PROVIDER_MODULES.values():
            client = importlib.import_module(f"{module_name}.client")
            for value in vars(client).values():
                if isinstance(value, type) and value.__module__ == client.__name__:
                    for method in ("collect", "collect_unit"):
                        if method in vars(value):
                            setattr(value, method, _marking(vars(value)[method]))

    # --- pytest hooks ---------------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Django is set up by now (the test modules imported the apps), so the providers import cleanly.
        if not self.installed:
            self.install()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus != pytest.ExitCode.OK or not _whole_suite(session.config):
            return
        from integrations.registry import all_checks

        checks = [(check.id, check.integration_type) for check in all_checks()]
        # A type is judged once any of its checks passed or failed on a collected inventory: its fake was there.
        # (Without it, collection gives only errors: no PostgreSQL server on this machine, say.)
        judged = {
            t for check_id, t in checks if self.seen.get(check_id, set()) & {(COLLECTED, PASS), (COLLECTED, FAIL)}
        }
        problems = gaps(self.seen, checks, excuses(OWN_SERVERS), judged)
        unjudged = sorted({integration_type for _, integration_type in checks} - judged)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and (problems or unjudged):
            reporter.ensure_newline()
            title = "checks not proven both ways on a real fake" if problems else "check coverage: not every connector"
            title += " (tests/check_coverage.py)"
            reporter.write_sep("=", title, red=bool(problems), yellow=not problems)
            for problem in problems:
                reporter.write_line(problem)
            if unjudged:
                # A fake missing from this machine (e.g. no PostgreSQL server) skipped those tests: nothing to judge.
                reporter.write_line(f"not judged, as no fake served their inventories: {', '.join(unjudged)}")
        if problems:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _whole_suite(config: pytest.Config) -> bool:
    """Only a run of every test can say a status was never seen: a selection (files, -k, -m, --lf…) cannot."""
    option = config.option
    narrowed = (
        option.keyword
        or option.markexpr
        or getattr(option, "deselect", None)
        or getattr(option, "lf", False)
        or getattr(option, "stepwise", False)
    )
    return not narrowed and sorted(config.args) == sorted(config.getini("testpaths"))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(CheckCoverage(), "check-coverage")


def _marking(collect: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(collect)
    def marked(*args: Any, **kwargs: Any) -> Any:
        inventory = collect(*args, **kwargs)
        inventory._collected_by_provider = True
        return inventory

    return marked
