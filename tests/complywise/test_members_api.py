"""Members and tenant settings over the API: roles change only explicitly, the last admin stays, removal revokes."""

import threading

import pytest
from django.db import connection

from complywise import services
from complywise.choices import Role
from complywise.exceptions import ConflictError
from complywise.models import ApiToken, AuditEvent, Membership
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


class TestMemberListContract(EndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/members"


class TestMemberDetailContract(ObjectEndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/members/{MembershipFactory(tenant=tenant, role=Role.VIEWER).pk}"

    def missing_url(self):
        return f"/api/members/{random_id()}"


class TestMemberRoleChangeContract(ObjectEndpointContract):
    method = "patch"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/members/{MembershipFactory(tenant=tenant, role=Role.VIEWER).pk}"

    def missing_url(self):
        return f"/api/members/{random_id()}"

    def payload(self, tenant):
        return {"role": "auditor"}


class TestMemberRemoveContract(ObjectEndpointContract):
    method = "delete"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/members/{MembershipFactory(tenant=tenant, role=Role.VIEWER).pk}"

    def missing_url(self):
        return f"/api/members/{random_id()}"


class TestTenantReadContract(EndpointContract):
    def url(self, tenant):
        return "/api/tenant"


class TestTenantWriteContract(EndpointContract):
    method = "patch"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/tenant"

    def payload(self, tenant):
        return {"require_mfa": True}


def test_admin_lists_only_this_tenants_members(admin_client, tenant, other_tenant):
    # given members in two tenants
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    MembershipFactory(tenant=other_tenant, role=Role.ADMIN)
    # when
    results = admin_client.get("/api/members").json()["results"]
    # then
    assert {r["id"] for r in results} == {str(m.pk) for m in Membership.objects.filter(tenant=tenant)}
    assert {"id": str(viewer.pk), "email": viewer.user.email, "role": "viewer"}.items() <= next(
        r for r in results if r["id"] == str(viewer.pk)
    ).items()


def test_role_change_is_explicit_and_audited_with_from_and_to(admin_client, tenant):
    # given a viewer
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    # when an admin makes them a member
    response = admin_client.patch(f"/api/members/{viewer.pk}", {"role": "member"}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "member"
    viewer.refresh_from_db()
    assert viewer.role == Role.MEMBER
    event = AuditEvent.objects.get(tenant=tenant, action="member.role_changed")
    assert event.target_id == str(viewer.pk)
    assert event.data == {"email": viewer.user.email, "from": "viewer", "to": "member"}


def test_role_change_validates_the_role(admin_client, tenant):
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    assert admin_client.patch(f"/api/members/{viewer.pk}", {"role": "owner"}, format="json").status_code == 400
    assert admin_client.patch(f"/api/members/{viewer.pk}", {}, format="json").status_code == 400
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_the_last_admin_cannot_demote_themself(api_client, tenant):
    # given the only admin of the tenant, with a token
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(membership=admin, name='a').secret}")
    # when they demote themself
    response = api_client.patch(f"/api/members/{admin.pk}", {"role": "viewer"}, format="json")
    # then it is refused and they are still admin
    assert response.status_code == 409
    assert "last admin" in response.json()["detail"]
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


def test_the_last_admin_cannot_be_removed(api_client, tenant):
    # given the only admin of the tenant
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(membership=admin, name='a').secret}")
    # when they remove themself
    response = api_client.delete(f"/api/members/{admin.pk}")
    # then
    assert response.status_code == 409
    assert Membership.objects.filter(pk=admin.pk, role=Role.ADMIN).exists()


def test_an_admin_can_be_demoted_while_another_admin_remains(admin_client, tenant):
    # given a second admin
    other = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    # when
    response = admin_client.patch(f"/api/members/{other.pk}", {"role": "auditor"}, format="json")
    # then
    assert response.status_code == 200
    # and now the caller is the last admin: demoting them is refused
    me = Membership.objects.get(tenant=tenant, role=Role.ADMIN)
    assert admin_client.patch(f"/api/members/{me.pk}", {"role": "member"}, format="json").status_code == 409


def test_removing_a_member_revokes_their_tokens_and_is_audited(admin_client, api_client, tenant):
    # given a member with a working token
    member = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    issued = services.api_token_create(membership=member, name="ci")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert api_client.get("/api/me").status_code == 200
    # when an admin removes them
    response = admin_client.delete(f"/api/members/{member.pk}")
    # then the membership and its token are gone, the token no longer works, and both are in the audit trail
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()
    assert api_client.get("/api/me").status_code == 401
    removed = AuditEvent.objects.get(tenant=tenant, action="member.removed")
    assert removed.data == {"email": member.user.email, "role": "member"}
    assert AuditEvent.objects.filter(tenant=tenant, action="token.revoked", target_id=str(issued.token.pk)).exists()
    # and the user still exists (they may belong to other tenants)
    assert type(member.user).objects.filter(pk=member.user.pk).exists()


def test_removing_a_member_leaves_their_other_tenants_alone(admin_client, tenant, other_tenant):
    # given a user in two tenants, with a token in each
    here = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    there = MembershipFactory(tenant=other_tenant, user=here.user, role=Role.ADMIN)
    kept = services.api_token_create(membership=there, name="there")
    # when removed here
    assert admin_client.delete(f"/api/members/{here.pk}").status_code == 204
    # then the other membership and its token stand
    assert Membership.objects.filter(pk=there.pk, role=Role.ADMIN).exists()
    assert ApiToken.objects.active().filter(pk=kept.token.pk).exists()


def test_another_tenants_member_cannot_be_changed_or_removed(admin_client, other_tenant):
    # given a member of another tenant
    outsider = MembershipFactory(tenant=other_tenant, role=Role.VIEWER)
    # when / then: 404 like a missing one, and nothing changed
    assert admin_client.patch(f"/api/members/{outsider.pk}", {"role": "admin"}, format="json").status_code == 404
    assert admin_client.delete(f"/api/members/{outsider.pk}").status_code == 404
    outsider.refresh_from_db()
    assert outsider.role == Role.VIEWER


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_non_admins_cannot_change_roles_remove_members_or_settings(client_for, tenant, role):
    # given a non-admin and a viewer
    client = client_for(tenant, role)
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    # when / then
    assert client.patch(f"/api/members/{viewer.pk}", {"role": "admin"}, format="json").status_code == 403
    assert client.delete(f"/api/members/{viewer.pk}").status_code == 403
    assert client.patch("/api/tenant", {"require_mfa": True}, format="json").status_code == 403
    viewer.refresh_from_db()
    tenant.refresh_from_db()
    assert viewer.role == Role.VIEWER and tenant.require_mfa is False
    # but every role reads the settings
    assert client.get("/api/tenant").json()["require_mfa"] is False


def test_admin_turns_on_required_two_factor_and_changes_retention(admin_client, tenant):
    # when
    response = admin_client.patch("/api/tenant", {"require_mfa": True, "retention_days": 90}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(tenant.pk),
        "name": "Acme",
        "slug": "acme",
        "retention_days": 90,
        "require_mfa": True,
    }
    tenant.refresh_from_db()
    assert tenant.require_mfa is True and tenant.retention_days == 90
    event = AuditEvent.objects.get(tenant=tenant, action="tenant.settings_updated")
    assert event.data == {"require_mfa": {"from": False, "to": True}, "retention_days": {"from": 365, "to": 90}}
    assert admin_client.get("/api/me").json()["require_mfa"] is True


def test_tenant_settings_reject_bad_values_and_read_only_fields(admin_client, tenant):
    assert admin_client.patch("/api/tenant", {"retention_days": 0}, format="json").status_code == 400
    assert admin_client.patch("/api/tenant", {"require_mfa": "maybe"}, format="json").status_code == 400
    assert admin_client.patch("/api/tenant", {"slug": "mine"}, format="json").status_code == 400
    tenant.refresh_from_db()
    assert (tenant.slug, tenant.retention_days, tenant.require_mfa) == ("acme", 365, False)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(tenant):
    # given two admins
    first, second = MembershipFactory(tenant=tenant, role=Role.ADMIN), MembershipFactory(tenant=tenant, role=Role.ADMIN)
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(membership, actor):
        try:
            barrier.wait(timeout=10)
            services.membership_role_change(membership=membership, role=Role.VIEWER, actor=actor)
            outcomes.append("demoted")
        except ConflictError:
            outcomes.append("refused")
        finally:
            connection.close()

    # when each demotes the other at the same moment
    threads = [
        threading.Thread(target=demote, args=(second, first.user)),
        threading.Thread(target=demote, args=(first, second.user)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then one wins, the other is refused, and the tenant keeps an admin
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(tenant=tenant, role=Role.ADMIN).count() == 1
