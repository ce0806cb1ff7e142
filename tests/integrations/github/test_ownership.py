"""github.repos.codeowners_valid against the fake GitHub: a CODEOWNERS file GitHub can use, or why not."""

from __future__ import annotations

from tests.integrations.github.support import (
    ERROR,
    FAIL,
    PASS,
    codeowners_error,
    collect,
    compliant_org,
    get,
    outcome_of,
    repo_state,
    serve,
    server_base,
    statuses,
)

CHECK = "github.repos.codeowners_valid"


def test_a_repository_whose_codeowners_github_parses_cleanly_passes(httpserver):
    # given the compliant organisation (each active repository has a CODEOWNERS without errors)
    serve(httpserver, compliant_org(server_base(httpserver)))
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/api")
    # then it passes
    assert outcome.status == PASS
    assert outcome.reason == "acme/api has a CODEOWNERS file without errors"
    assert outcome.observed == {"codeowners": True, "error_count": 0, "errors": []}


def test_a_repository_without_codeowners_fails(httpserver):
    # given a repository GitHub finds no CODEOWNERS file in (its errors endpoint answers 404)
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").codeowners = None
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/web")
    # then it fails, saying where GitHub looks
    assert outcome.status == FAIL
    assert outcome.reason == "acme/web has no CODEOWNERS file in its .github, root or docs folder"
    assert outcome.observed["codeowners"] is False


def test_a_codeowners_with_errors_fails_naming_the_first_ones(httpserver):
    # given a CODEOWNERS in docs/ with five lines GitHub cannot use
    state = compliant_org(server_base(httpserver))
    errors = [codeowners_error(n, "Unknown owner", f"/svc{n}/ @ghost{n}", path="docs/CODEOWNERS") for n in (3, 4, 7)]
    errors += [codeowners_error(9, "Invalid pattern", "[", path="docs/CODEOWNERS")] * 2
    repo_state(state, "acme/api").codeowners = errors
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/api")
    # then it fails, naming the file, the first three errors and how many more there are
    assert outcome.status == FAIL
    assert outcome.reason == (
        "In acme/api, docs/CODEOWNERS has 5 error(s) GitHub skips those lines for: "
        "Unknown owner on line 3, Unknown owner on line 4, Unknown owner on line 7 and 2 more"
    )
    assert outcome.observed["error_count"] == 5
    assert outcome.observed["errors"][0] == {"line": 3, "kind": "Unknown owner", "path": "docs/CODEOWNERS"}


def test_a_refused_read_is_an_error_not_a_pass(httpserver):
    # given a repository whose CODEOWNERS errors GitHub refuses to show to this token
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").errors["codeowners"] = (403, "Resource not accessible by integration")
    serve(httpserver, state)
    # when collected and checked
    inventory = collect(httpserver, [CHECK])
    outcomes = list(get(CHECK).run(inventory))
    # then the check is not judged: one error naming the repository
    assert "acme/web" in inventory.errors["codeowners"]
    assert statuses(outcomes) == {"acme": ERROR}
    assert "the CODEOWNERS file" in outcomes[0].reason
