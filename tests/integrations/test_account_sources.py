"""Every provider that lists accounts for access reviews reads only services its collectors produce, and has the
check that revoked accounts are gone."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from frameworks.models import Framework, TenantFramework
from integrations import providers, registry
from integrations.choices import IntegrationType
from integrations.models import IntegrationAccount
from integrations.services import integration_create
from tests.integrations.okta import support as okta_support

# The providers whose accounts access reviews can already cover.
WITH_ACCOUNTS = {"aws", "github", "okta", "google_workspace", "entra", "postgres", "host"}


def _has_accounts_module(integration_type: str) -> bool:
    module = providers.PROVIDER_MODULES[integration_type]
    return importlib.util.find_spec(f"{module}.accounts") is not None


def test_the_expected_providers_list_accounts() -> None:
    # given every integration type
    # when looking at which have an accounts module, and which registered a source
    with_module = {t for t in IntegrationType.values if _has_accounts_module(t)}
    registered = {s.integration_type for s in registry.account_sources()}
    # then those are the same, and cover at least the providers written for it
    assert registered == with_module
    assert registered >= WITH_ACCOUNTS


@pytest.mark.parametrize("integration_type", sorted(WITH_ACCOUNTS))
def test_source_reads_only_collected_services(integration_type: str) -> None:
    # given the provider's account source and its collectors
    source = registry.account_source(integration_type)
    assert source is not None, f"{integration_type} registers no account source"
    module = providers.PROVIDER_MODULES[integration_type]
    collectors = importlib.import_module(f"{module}.collectors")
    # then it reads at least one service, none twice, and every one has a collector
    assert source.services
    assert len(set(source.services)) == len(source.services)
    assert set(source.collected) <= set(collectors.COLLECTORS), sorted(
        set(source.collected) - set(collectors.COLLECTORS)
    )
    assert not set(source.services) & set(source.optional_services)
    # and the accounts module exposes the same source
    assert importlib.import_module(f"{module}.accounts").SOURCE is source


@pytest.mark.parametrize("integration_type", sorted(WITH_ACCOUNTS))
def test_revocation_check_is_registered(integration_type: str) -> None:
    # given the provider's account source
    source = registry.account_source(integration_type)
    assert source is not None
    # when its revocation check is looked up by the id the platform uses
    check = registry.get_check(f"{integration_type}.{registry.REVOCATION_CHECK_SUFFIX}")
    # then it exists for that provider, reads exactly the source's services, and explains itself
    assert check is not None
    assert check.integration_type == integration_type
    assert check.requires == source.services
    assert check.severity == registry.Severity.HIGH
    assert check.title.startswith("Accounts revoked in an access review no longer have access (")
    assert check.resource_type and check.rationale and check.remediation


@pytest.mark.parametrize("integration_type", sorted(WITH_ACCOUNTS))
def test_an_empty_inventory_lists_no_accounts_and_a_failed_one_none(integration_type: str) -> None:
    # given the provider's account source
    source = registry.account_source(integration_type)
    assert source is not None
    # when its services were collected but empty, then nothing is listed (and nothing raises)
    empty = registry.Inventory(integration_type=integration_type, data={s: {} for s in source.services})
    assert source.accounts(empty) == []
    # when one of its services failed, then the accounts are unknown
    failed = registry.Inventory(
        integration_type=integration_type,
        data={s: {} for s in source.services[1:]},
        errors={source.services[0]: "boom"},
    )
    assert source.accounts(failed) is None


def test_a_scan_collects_the_optional_account_services_no_check_needs(
    httpserver, tenant, admin_client, run_scan, loaded_frameworks
) -> None:
    # given an Okta org whose group memberships only the account list reads (no check needs them)
    source = registry.account_source("okta")
    assert source is not None and source.optional_services == ("groups",)
    assert "groups" not in {s for check in registry.all_checks("okta") for s in check.services}
    TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key="soc2"))
    state = okta_support.compliant_org(okta_support.base_url(httpserver))
    okta_support.serve(httpserver, state)
    integration = integration_create(
        tenant=tenant,
        actor=None,
        type="okta",
        name="okta",
        config={"org_url": okta_support.base_url(httpserver)},
        credentials={"api_token": okta_support.TOKEN},
    )
    # when the tenant is scanned
    scan = run_scan(admin_client, {"integration_types": ["okta"]})
    assert scan["status"] == "completed", scan
    # then the groups were read during the scan and the account list holds them as privileges
    assert any(r.path == "/api/v1/groups" for r, _ in httpserver.log)
    privileges = [p for row in IntegrationAccount.objects.filter(integration=integration) for p in row.privileges]
    assert any(p.startswith("group:") for p in privileges), privileges
