"""github.repos.security_policy against the fake GitHub: a SECURITY.md where GitHub shows it, or the organisation's
default from its public .github repository."""

from __future__ import annotations

import pytest

from tests.integrations.github.support import (
    ERROR,
    FAIL,
    PASS,
    RepoState,
    collect,
    compliant_org,
    get,
    noncompliant_org,
    outcome_of,
    repo_object,
    repo_state,
    serve,
    server_base,
    statuses,
)

CHECK = "github.repos.security_policy"


def public_site(httpserver, files: dict[str, list[str]] | None = None, **org: object):
    """The non-compliant organisation, whose public acme/site has ``files`` on its default branch."""
    state = noncompliant_org(server_base(httpserver))
    if files is not None:
        repo_state(state, "acme/site").files = files
    for name, value in org.items():
        setattr(state, name, value)
    serve(httpserver, state)
    return state


@pytest.mark.parametrize(
    ("files", "path"),
    [
        ({"": ["README.md", "SECURITY.md"]}, "SECURITY.md"),
        # GitHub takes the file whatever the case of its name.
        ({"": ["Security.md", "src/"]}, "Security.md"),
        ({"": ["README.md", ".github/"], ".github": ["CODEOWNERS", "security.md"]}, ".github/security.md"),
        (
            {"": ["README.md", ".github/", "docs/"], ".github": ["CODEOWNERS"], "docs": ["SECURITY.md"]},
            "docs/SECURITY.md",
        ),
    ],
)
def test_a_public_repository_with_its_own_policy_passes(httpserver, files, path):
    # given the public repository with a SECURITY.md where GitHub looks for one
    public_site(httpserver, files)
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/site")
    # then it passes, naming where the policy is
    assert outcome.status == PASS
    assert outcome.observed["policy"] == path
    assert outcome.reason == f"acme/site publishes its security policy in {path}"


def test_a_public_repository_without_a_policy_fails(httpserver):
    # given a public repository whose SECURITY.md sits where GitHub does not look, and no .github repository
    public_site(httpserver, {"": ["README.md", "src/", "docs/"], "src": ["SECURITY.md"], "docs": ["index.md"]})
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/site")
    # then it fails, saying where it looked
    assert outcome.status == FAIL
    assert "no SECURITY.md in its root, docs or .github folder" in outcome.reason
    assert outcome.observed == {"policy": None, "default_policy": None, "defaults_repository": "missing"}


def test_only_the_folders_the_root_lists_are_read(httpserver):
    # given a root without .github or docs folders (the fake answers 500 to anything it does not serve)
    public_site(httpserver, {"": ["README.md", "src/"]})
    # when collected
    inventory = collect(httpserver, [CHECK])
    # then nothing failed, and only the root was listed
    assert inventory.errors == {}
    contents = [r.path for r, _ in httpserver.log if "/contents" in r.path]
    assert contents == ["/repos/acme/site/contents/"]


def test_an_empty_public_repository_fails(httpserver):
    # given a public repository nothing was pushed to (GitHub answers its contents 404)
    public_site(httpserver, {})
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/site")
    # then it fails: there is no policy to show
    assert outcome.status == FAIL


def defaults_repo(base: str, *, visibility: str, files: dict[str, list[str]]) -> RepoState:
    return RepoState(repo_object(base, ".github", visibility=visibility), files=files)


@pytest.mark.parametrize(
    ("files", "path"),
    [
        ({"": ["SECURITY.md", "profile/"]}, "SECURITY.md"),
        ({"": [".github/"], ".github": ["SECURITY.md"]}, ".github/SECURITY.md"),
    ],
)
def test_the_organizations_default_policy_covers_a_repository_without_one(httpserver, files, path):
    # given a public repository without a policy and the organisation's public .github repository with one
    base = server_base(httpserver)
    public_site(httpserver, defaults_repo=defaults_repo(base, visibility="public", files=files))
    # when the check runs
    outcome = outcome_of(httpserver, CHECK, "acme/site")
    # then it passes through the default, saying so
    assert outcome.status == PASS
    assert outcome.observed == {"policy": None, "default_policy": path, "defaults_repository": "public"}
    assert f"the organization's default policy (acme/.github: {path}) applies" in outcome.reason


def test_a_private_defaults_repository_does_not_count(httpserver):
    # given the default policy in a .github repository that is private (GitHub ignores its files)
    base = server_base(httpserver)
    hidden = defaults_repo(base, visibility="private", files={"": ["SECURITY.md"]})
    public_site(httpserver, defaults_repo=hidden)
    # when the check runs (the fake serves no contents of the private repository: none may be read)
    outcome = outcome_of(httpserver, CHECK, "acme/site")
    # then the repository without its own policy fails, saying why the default does not apply
    assert outcome.status == FAIL
    assert "acme/.github is private" in outcome.reason
    assert outcome.observed["defaults_repository"] == "private"


def test_private_and_internal_repositories_are_not_judged_nor_read(httpserver):
    # given the compliant organisation: one private and one internal repository, and no contents served at all
    serve(httpserver, compliant_org(server_base(httpserver)))
    # when collected and checked
    inventory = collect(httpserver, [CHECK])
    # then nothing was read from them, and neither gets an outcome
    assert inventory.errors == {}
    assert not [r for r, _ in httpserver.log if "/contents" in r.path]
    assert list(get(CHECK).run(inventory)) == []


def test_a_listing_github_refuses_is_an_error_not_a_pass(httpserver):
    # given a public repository whose contents GitHub refuses to list to this token
    state = noncompliant_org(server_base(httpserver))
    repo_state(state, "acme/site").errors["contents"] = (403, "Resource not accessible by integration")
    serve(httpserver, state)
    # when collected and checked
    inventory = collect(httpserver, [CHECK])
    outcomes = list(get(CHECK).run(inventory))
    # then the check cannot be judged: one error naming the service and the repository
    assert "acme/site" in inventory.errors["security_policy"]
    assert statuses(outcomes) == {"acme": ERROR}
    assert "security policies" in outcomes[0].reason
