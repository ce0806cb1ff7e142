from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from complywise import services
from complywise.choices import Role
from complywise.models import ApiToken, AuditEvent, Membership
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


class TestTokenListContract(EndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/tokens"


class TestTokenDetailContract(ObjectEndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        membership = MembershipFactory(tenant=tenant)
        issued = services.api_token_create(membership=membership, name="x")
        return f"/api/tokens/{issued.token.pk}"

    def missing_url(self):
        return f"/api/tokens/{random_id()}"


def test_token_authenticates_and_decides_tenant_and_role(client_for, tenant):
    # given a viewer's token
    client = client_for(tenant, Role.VIEWER)
    # when
    response = client.get("/api/me")
    # then
    assert response.status_code == 200
    assert response.json()["tenant_slug"] == "acme"
    assert response.json()["role"] == "viewer"


def test_admin_creates_token_secret_shown_once_and_digest_stored(admin_client, tenant):
    # given an auditor of the tenant
    auditor = MembershipFactory(tenant=tenant, role=Role.AUDITOR, user__email="auditor@example.com")
    # when an admin creates a token for them, naming them by email in another case
    response = admin_client.post("/api/tokens", {"name": "auditor-2026", "email": "Auditor@Example.com"}, format="json")
    # then the secret comes back once, and only its digest is stored
    assert response.status_code == 201, response.content
    secret = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.digest == services.token_digest(secret)
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    listed = admin_client.get(f"/api/tokens/{token.pk}").json()
    assert "token" not in listed and "digest" not in listed
    assert token.membership == auditor and response.json()["role"] == "auditor"
    assert AuditEvent.objects.filter(tenant=tenant, action="token.created").exists()


def test_create_token_bad_input_is_400_with_field_errors(admin_client):
    # when
    response = admin_client.post("/api/tokens", {"expires_days": 0, "role": "owner"}, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"name", "expires_days", "role"}


def test_create_token_with_a_role_is_refused_and_the_role_is_untouched(admin_client, tenant):
    # given a viewer
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    # when an admin asks for an admin token in the viewer's name (formerly: a silent promotion)
    response = admin_client.post(
        "/api/tokens", {"name": "x", "email": viewer.user.email, "role": "admin"}, format="json"
    )
    # then it is refused, and nothing changed
    assert response.status_code == 400
    assert "role" in response.json() and "member's role" in response.json()["role"][0]
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER
    assert not ApiToken.objects.filter(membership=viewer).exists()


def test_token_for_the_last_admin_with_a_lower_role_cannot_demote_them(client_for, tenant):
    # given the only admin (the formerly exploitable path: issuing a viewer token demoted the admin)
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    client = client_for(tenant, Role.ADMIN)
    Membership.objects.filter(pk=admin.pk).delete()  # the caller stays the only admin
    me = Membership.objects.get(tenant=tenant, role=Role.ADMIN)
    # when
    response = client.post("/api/tokens", {"name": "x", "email": me.user.email, "role": "viewer"}, format="json")
    # then
    assert response.status_code == 400
    me.refresh_from_db()
    assert me.role == Role.ADMIN


def test_token_for_an_unknown_email_creates_nobody(admin_client, tenant):
    # when
    response = admin_client.post("/api/tokens", {"name": "x", "email": "stranger@example.com"}, format="json")
    # then
    assert response.status_code == 400
    assert "stranger@example.com" in response.json()["email"][0]
    assert not get_user_model().objects.filter(email="stranger@example.com").exists()
    assert not ApiToken.objects.filter(name="x").exists()


def test_token_for_another_tenants_user_is_refused_exactly_like_a_stranger(admin_client, tenant, other_tenant):
    # given a member of another tenant only
    outsider = MembershipFactory(tenant=other_tenant, role=Role.ADMIN, user__email="boss@globex.io")
    # when an admin of this tenant names them, and names nobody
    foreign = admin_client.post("/api/tokens", {"name": "x", "email": "boss@globex.io"}, format="json")
    unknown = admin_client.post("/api/tokens", {"name": "x", "email": "nobody@globex.io"}, format="json")
    # then both are the same refusal, and the outsider was neither enrolled nor given a token
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["email"][0].replace("boss", "nobody") == unknown.json()["email"][0]
    assert not Membership.objects.filter(tenant=tenant, user=outsider.user).exists()
    assert not ApiToken.objects.filter(membership__user=outsider.user).exists()


def test_revoked_and_expired_tokens_are_rejected(api_client, tenant):
    # given a revoked token and an expired one
    membership = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    revoked = services.api_token_create(membership=membership, name="revoked")
    services.api_token_revoke(token=revoked.token)
    expired = services.api_token_create(membership=membership, name="expired", expires_days=1)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for secret in (revoked.secret, expired.secret):
        # when
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = api_client.get("/api/me")
        # then
        assert response.status_code == 401


def test_revoke_endpoint(admin_client, tenant):
    # given
    membership = MembershipFactory(tenant=tenant)
    issued = services.api_token_create(membership=membership, name="ci")
    # when
    response = admin_client.post(f"/api/tokens/{issued.token.pk}/revoke")
    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_last_used_at_is_recorded(api_client, tenant):
    # given
    membership = MembershipFactory(tenant=tenant)
    issued = services.api_token_create(membership=membership, name="ci")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    # when
    api_client.get("/api/me")
    # then
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_another_tenants_token_sees_only_its_own_tokens(client_for, tenant, other_tenant):
    # given tokens in two tenants
    mine = client_for(tenant, Role.ADMIN)
    client_for(other_tenant, Role.ADMIN)
    # when
    results = mine.get("/api/tokens").json()["results"]
    # then only this tenant's tokens are listed
    assert {ApiToken.objects.get(pk=r["id"]).tenant_id for r in results} == {tenant.pk}


def test_session_login_uses_membership(client, tenant):
    # given a browser user who is a member
    membership = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    client.force_login(membership.user)
    # when
    response = client.get("/api/me")
    # then
    assert response.status_code == 200
    assert response.json()["role"] == "member"


def test_session_user_without_membership_is_403(client, db):
    # given a logged-in user with no tenant
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    # when
    response = client.get("/api/me")
    # then
    assert response.status_code == 403
