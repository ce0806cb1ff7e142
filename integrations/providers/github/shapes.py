"""The inventory a GitHub scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these and the checks read them.  At run time they are plain dicts
(the inventory is stored as JSON); the types are for readers and the type checker.
Organisation-level services hold one object; per-repository services hold
``{"repositories": {full_name: ...}}`` with an entry for every active repository whose
collection succeeded (a missing entry means "not collected", never "nothing there").
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class Organization(TypedDict):
    """``data["org"]``: the organisation's security settings.

    GitHub shows several of them only to organisation owners; to anybody else they are None.
    """

    login: str | None
    id: int | None
    name: str | None
    two_factor_requirement_enabled: bool | None
    default_repository_permission: str | None
    members_can_create_repositories: bool | None
    members_can_create_public_repositories: bool | None
    members_can_create_private_repositories: bool | None
    members_can_create_internal_repositories: bool | None


class Members(TypedDict):
    """``data["members"]``: the organisation's owners, its other members, and how many owners the integration allows."""

    admins: list[str]
    members: list[str]
    max_admins: int


class SelectedActions(TypedDict):
    """Which actions an organisation that allows only selected ones lets its workflows use."""

    github_owned_allowed: bool | None
    verified_allowed: bool | None
    patterns_allowed: list[str]


class ActionsSettings(TypedDict):
    """``data["actions"]``: which actions the organisation's workflows may run, and what their GITHUB_TOKEN may do."""

    default_workflow_permissions: str | None  # "read" or "write"
    can_approve_pull_request_reviews: bool | None
    enabled_repositories: str | None  # "all", "selected" or "none"
    allowed_actions: str | None  # "all", "local_only" or "selected"
    # Only when allowed_actions is "selected".
    selected_actions: SelectedActions | None


class Repository(TypedDict):
    """One repository as the organisation's repository list describes it."""

    name: str | None
    full_name: str | None
    private: bool | None
    visibility: str | None
    archived: bool | None
    disabled: bool | None
    fork: bool | None
    default_branch: str | None
    # When anything was last pushed to any branch (ISO 8601); None for a repository nobody pushed to.
    pushed_at: str | None
    # {"secret_scanning": {"status": "enabled"}, ...}; None when the token may not see it.
    security_and_analysis: dict[str, Any] | None


class Repos(TypedDict):
    """``data["repos"]``: the repositories scanned (archived ones included, sorted by full name)."""

    repositories: list[Repository]
    # "org/name" of each configured repository GitHub did not list.
    missing: list[str]
    allow_public_repos: bool


class PullRequestReviews(TypedDict):
    required_approving_review_count: int
    dismiss_stale_reviews: bool
    require_code_owner_reviews: bool
    require_last_push_approval: bool


class StatusChecks(TypedDict):
    strict: bool
    contexts: list[str]
    checks: list[str | None]


class ClassicProtection(TypedDict):
    """A branch's classic branch protection; a setting GitHub did not return is None."""

    required_pull_request_reviews: PullRequestReviews | None
    required_status_checks: StatusChecks | None
    allow_force_pushes: bool | None
    allow_deletions: bool | None
    enforce_admins: bool | None
    required_linear_history: bool | None
    required_conversation_resolution: bool | None
    required_signatures: bool | None


class Rule(TypedDict):
    """One rule of an active ruleset that applies to the default branch.

    ``parameters`` is kept only for the types the checks read: ``pull_request``
    (required_approving_review_count, dismiss_stale_reviews_on_push, require_code_owner_review,
    required_review_thread_resolution) and
    ``required_status_checks`` (required_status_checks, strict_required_status_checks_policy).
    """

    type: str
    parameters: dict[str, Any]
    ruleset_id: int | None
    ruleset_source_type: str | None
    ruleset_source: str | None


class BypassActor(TypedDict):
    """Who may bypass a ruleset: an actor type (``OrganizationAdmin``, ``RepositoryRole``, ``Team``, ...) and id."""

    actor_type: str | None
    actor_id: int | None
    bypass_mode: str | None


class BranchProtection(TypedDict):
    """What protects one repository's default branch."""

    branch: str | None
    # "missing": no default branch yet; "unprotected": no classic protection (rules may still apply).
    state: Literal["protected", "unprotected", "missing"]
    protection: ClassicProtection | None
    rules: list[Rule]
    # str(ruleset id) -> who may bypass that ruleset; None when the token may not see the list.
    bypass_actors: dict[str, list[BypassActor] | None]


class RepoSecurity(TypedDict):
    vulnerability_alerts: bool


class RepoSettings(TypedDict):
    # None when GitHub did not say (it shows merge settings only to some tokens).
    delete_branch_on_merge: bool | None


class CodeOwnersError(TypedDict):
    line: int | None
    kind: str | None  # e.g. "Unknown owner", "Invalid pattern"
    path: str | None  # where the file is, e.g. ".github/CODEOWNERS"


class CodeOwners(TypedDict):
    """A repository's CODEOWNERS file on the default branch, as GitHub parses it."""

    present: bool
    errors: list[CodeOwnersError]  # the first few
    error_count: int


class SecurityPolicy(TypedDict):
    """Where a repository's own security policy is: the first SECURITY.md of its root, ``.github`` or ``docs``."""

    # False for a private or internal repository: nothing was read (the policy matters to outside reporters).
    public: bool
    # e.g. ".github/SECURITY.md"; None when there is none.
    path: str | None


class DefaultSecurityPolicy(TypedDict):
    """The organisation's default security policy: a SECURITY.md in its public ``.github`` repository."""

    # "missing" (no .github repository), "private" (GitHub ignores a private one's files) or "public".
    repository: Literal["missing", "private", "public"]
    path: str | None


class DeployKey(TypedDict):
    """A deploy key without the public key itself."""

    id: int | None
    title: str | None
    read_only: bool | None
    verified: bool | None
    created_at: str | None
    last_used: str | None
    added_by: str | None


class Webhook(TypedDict):
    """A webhook without its URL's path, query or credentials (those often carry a secret)."""

    id: int | None
    name: str | None
    active: bool | None
    events: list[str]
    url_scheme: str
    url_host: str
    # "0" when the certificate is verified; None when GitHub did not say.
    insecure_ssl: str | None
    has_secret: bool
    content_type: str | None


class Collaborator(TypedDict):
    """An outside collaborator of a repository."""

    login: str | None
    permissions: dict[str, bool]
    role_name: str | None


class BranchProtectionService(TypedDict):
    """``data["branch_protection"]``."""

    repositories: dict[str, BranchProtection]


class RepoSecurityService(TypedDict):
    """``data["repo_security"]``."""

    repositories: dict[str, RepoSecurity]


class RepoSettingsService(TypedDict):
    """``data["repo_settings"]``."""

    repositories: dict[str, RepoSettings]


class CodeOwnersService(TypedDict):
    """``data["codeowners"]``."""

    repositories: dict[str, CodeOwners]


class SecurityPolicyService(TypedDict):
    """``data["security_policy"]``: each repository's own policy and the organisation's default."""

    repositories: dict[str, SecurityPolicy]
    organization: DefaultSecurityPolicy


class DeployKeysService(TypedDict):
    """``data["deploy_keys"]``."""

    repositories: dict[str, list[DeployKey]]


class HooksService(TypedDict):
    """``data["hooks"]``: each repository's webhooks and the organisation's (empty when they could not be read)."""

    repositories: dict[str, list[Webhook]]
    organization: list[Webhook]


class CollaboratorsService(TypedDict):
    """``data["collaborators"]``."""

    repositories: dict[str, list[Collaborator]]
