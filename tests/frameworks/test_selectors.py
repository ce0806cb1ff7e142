"""The selectors the scan engine uses: which frameworks a scan covers, and each control's checks."""

from __future__ import annotations

import pytest

from frameworks.selectors import controls_with_checks, frameworks_in_scope
from tests.frameworks.factories import (
    ControlCheckFactory,
    ControlFactory,
    CustomFrameworkFactory,
    FrameworkFactory,
    TenantFrameworkFactory,
)

pytestmark = pytest.mark.django_db


def test_frameworks_in_scope_are_the_tenants_active_ones(tenant, other_tenant):
    # given an active global framework, an active custom one, an inactive one, and another tenant's active one
    active = TenantFrameworkFactory(tenant=tenant, framework=FrameworkFactory()).framework
    custom = TenantFrameworkFactory(tenant=tenant, framework=CustomFrameworkFactory(tenant=tenant)).framework
    FrameworkFactory()
    TenantFrameworkFactory(tenant=other_tenant, framework=FrameworkFactory())
    # when / then
    assert set(frameworks_in_scope(tenant=tenant)) == {active, custom}


def test_frameworks_in_scope_with_a_given_framework(tenant, other_tenant):
    # given an inactive global framework and another tenant's custom framework
    inactive = FrameworkFactory()
    foreign = CustomFrameworkFactory(tenant=other_tenant)
    # when / then: a visible framework is in scope even when inactive; a foreign one never is
    assert list(frameworks_in_scope(tenant=tenant, framework=inactive)) == [inactive]
    assert list(frameworks_in_scope(tenant=tenant, framework=str(inactive.pk))) == [inactive]
    assert list(frameworks_in_scope(tenant=tenant, framework=foreign)) == []


def test_controls_with_checks_in_two_queries_whatever_the_size(tenant, django_assert_num_queries):
    # given two frameworks with many controls, some mapped to several checks
    first, second = FrameworkFactory(key="a"), FrameworkFactory(key="b")
    expected = {}
    for framework in (first, second):
        for number in range(1, 151):
            control = ControlFactory(framework=framework, ref=f"C-{number}")
            ids = [f"check.{number % 3}", f"check.{number % 5}.x"] if number % 2 else []
            for check_id in ids:
                ControlCheckFactory(control=control, check_id=check_id)
            expected[control.pk] = sorted(ids)
    ControlCheckFactory(control=ControlFactory(framework=FrameworkFactory()))  # out of scope
    # when
    with django_assert_num_queries(2):
        pairs = controls_with_checks(frameworks=[first, second])
    # then every control comes once, in framework then natural order, with its check ids
    assert len(pairs) == 300
    assert [control.ref for control, _ in pairs[:3]] == ["C-1", "C-2", "C-3"]
    assert {control.framework.key for control, _ in pairs[:150]} == {"a"}
    assert {control.pk: checks for control, checks in pairs} == expected


def test_controls_with_checks_accepts_a_queryset(tenant):
    # given an active framework with a mapped control
    framework = TenantFrameworkFactory(tenant=tenant, framework=FrameworkFactory()).framework
    control = ControlCheckFactory(control=ControlFactory(framework=framework), check_id="x.y").control
    # when
    pairs = controls_with_checks(frameworks=frameworks_in_scope(tenant=tenant))
    # then
    assert [(c.pk, checks) for c, checks in pairs] == [(control.pk, ["x.y"])]
