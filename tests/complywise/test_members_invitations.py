"""Users join a tenant only by invitation: created by an admin, e-mailed, accepted once through its link."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from complywise import rls, services
from complywise.choices import Role
from complywise.exceptions import ConflictError, FieldValidationError, PermissionDeniedError
from complywise.models import AuditEvent, Invitation, Membership
from complywise.tenancy import SESSION_TENANT_KEY
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


def invite(tenant, email="new.person@example.com", role=Role.VIEWER):
    inviter = MembershipFactory(tenant=tenant, role=Role.ADMIN).user
    return services.invitation_create(
        tenant=tenant, email=email, role=role, actor=inviter, site_url="http://testserver/"
    )


def secret_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


class TestInvitationListContract(EndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/invitations"


class TestInvitationCreateContract(EndpointContract):
    method = "post"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/invitations"

    def payload(self, tenant):
        return {"email": f"someone-{random_id()[:8]}@example.com", "role": "viewer"}


class TestInvitationDetailContract(ObjectEndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/invitations/{invite(tenant, email=f'x-{random_id()[:8]}@example.com').invitation.pk}"

    def missing_url(self):
        return f"/api/invitations/{random_id()}"


class TestInvitationRevokeContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/invitations/{invite(tenant, email=f'x-{random_id()[:8]}@example.com').invitation.pk}/revoke"

    def missing_url(self):
        return f"/api/invitations/{random_id()}/revoke"


# --- creating ---------------------------------------------------------------------------------------------


def test_admin_invites_by_email_link_shown_once_and_mailed(admin_client, tenant):
    # when
    response = admin_client.post("/api/invitations", {"email": "New.Person@Example.com", "role": "auditor"})
    # then the link comes back once, was e-mailed, and only its digest is stored
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.com" and body["role"] == "auditor" and body["status"] == "open"
    assert body["emailed"] is True
    link = body["link"]
    assert link.startswith("http://testserver/invitations/")
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.digest == services.token_digest(secret_of(link))
    assert secret_of(link) not in str(Invitation.objects.filter(pk=invitation.pk).values().first())
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"] and link in mail.outbox[0].body
    # and never again
    listed = admin_client.get(f"/api/invitations/{invitation.pk}").json()
    assert "link" not in listed and secret_of(link) not in str(admin_client.get("/api/invitations").json())
    assert AuditEvent.objects.filter(tenant=tenant, action="invitation.created", target_id=str(invitation.pk)).exists()


def test_inviting_an_existing_member_is_400(admin_client, tenant):
    member = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    response = admin_client.post("/api/invitations", {"email": member.user.email.upper(), "role": "admin"})
    assert response.status_code == 400
    assert "already a member" in response.json()["email"][0]
    assert not Invitation.objects.exists()


def test_one_open_invitation_per_email_until_revoked(admin_client, tenant):
    # given an open invitation
    first = admin_client.post("/api/invitations", {"email": "a@example.com", "role": "viewer"}).json()
    # when inviting the same email again
    again = admin_client.post("/api/invitations", {"email": "A@example.com", "role": "admin"})
    # then
    assert again.status_code == 400 and "open invitation" in again.json()["email"][0]
    # and once revoked, a new one may be sent
    assert admin_client.post(f"/api/invitations/{first['id']}/revoke").json()["status"] == "revoked"
    assert admin_client.post("/api/invitations", {"email": "a@example.com", "role": "admin"}).status_code == 201


def test_a_user_of_another_tenant_can_be_invited_but_is_not_enrolled(admin_client, tenant, other_tenant):
    # given a user who belongs to another tenant only
    outsider = MembershipFactory(tenant=other_tenant, role=Role.ADMIN)
    # when an admin here invites them
    response = admin_client.post("/api/invitations", {"email": outsider.user.email, "role": "admin"})
    # then it is only an invitation: no membership until they accept it themselves
    assert response.status_code == 201
    assert not Membership.objects.filter(tenant=tenant, user=outsider.user).exists()


def test_invitation_bad_input(admin_client):
    response = admin_client.post("/api/invitations", {"email": "not-an-email", "role": "owner"})
    assert response.status_code == 400 and set(response.json()) == {"email", "role"}


def test_another_tenants_invitations_are_invisible(admin_client, other_tenant):
    foreign = invite(other_tenant).invitation
    assert admin_client.get("/api/invitations").json()["count"] == 0
    assert admin_client.post(f"/api/invitations/{foreign.pk}/revoke").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- accepting: a new person ----------------------------------------------------------------------------


def test_new_person_sets_a_password_and_joins_with_the_invited_role(tenant):
    # given an invitation as viewer
    issued = invite(tenant)
    client = Client()
    url = f"/invitations/{secret_of(issued.link)}"
    # when they open the link and choose a password
    page = client.get(url)
    response = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    # then the account exists with that password, is a viewer, and the link is spent
    assert page.status_code == 200 and "Join Acme" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    user = get_user_model().objects.get(email="new.person@example.com")
    assert user.check_password(GOOD_PASSWORD) and not user.is_staff and not user.is_superuser
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.VIEWER
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_by == user and issued.invitation.accepted_at is not None
    assert AuditEvent.objects.filter(tenant=tenant, action="invitation.accepted").exists()
    assert client.get(url).status_code == 410


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("12345678901234", "entirely numeric"),
        ("new.person.example", "too similar"),
    ],
)
def test_new_persons_password_must_pass_djangos_validators(tenant, password, message):
    # given an invitation
    issued = invite(tenant)
    # when a weak password is chosen
    response = Client().post(
        f"/invitations/{secret_of(issued.link)}", {"new_password1": password, "new_password2": password}
    )
    # then the page says why and nobody joined
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(email="new.person@example.com").exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


def test_the_service_itself_applies_the_password_validators(tenant):
    issued = invite(tenant)
    with pytest.raises(FieldValidationError) as caught:
        services.invitation_accept(secret=secret_of(issued.link), password="abc")
    assert "password" in caught.value.errors
    assert not Membership.objects.filter(tenant=tenant, user__email="new.person@example.com").exists()


def test_mismatched_passwords_are_a_form_error(tenant):
    issued = invite(tenant)
    response = Client().post(
        f"/invitations/{secret_of(issued.link)}", {"new_password1": GOOD_PASSWORD, "new_password2": "other-thing-99"}
    )
    assert response.status_code == 400 and "didn’t match" in response.content.decode()


# --- accepting: links that no longer work -----------------------------------------------------------------


def test_expired_revoked_and_unknown_links_do_nothing(tenant):
    # given an expired and a revoked invitation
    expired = invite(tenant, email="late@example.com")
    Invitation.objects.filter(pk=expired.invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invite(tenant, email="gone@example.com")
    services.invitation_revoke(invitation=revoked.invitation)
    client = Client()
    for issued, status, words in ((expired, 410, "expired"), (revoked, 410, "revoked")):
        url = f"/invitations/{secret_of(issued.link)}"
        # when they are opened and posted to
        page = client.get(url)
        post = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
        # then they say why, and nobody was created
        assert page.status_code == post.status_code == status
        assert words in page.content.decode()
    assert client.get("/invitations/not-a-real-secret").status_code == 404
    assert not get_user_model().objects.filter(email__in=["late@example.com", "gone@example.com"]).exists()
    assert Membership.objects.filter(tenant=tenant).count() == 2  # the two inviting admins


def test_service_refuses_expired_and_revoked_invitations(tenant):
    issued = invite(tenant)
    services.invitation_revoke(invitation=issued.invitation)
    with pytest.raises(ConflictError, match="revoked"):
        services.invitation_accept(secret=secret_of(issued.link), password=GOOD_PASSWORD)


def test_an_accepted_invitation_cannot_be_revoked(admin_client, tenant):
    issued = invite(tenant)
    services.invitation_accept(secret=secret_of(issued.link), password=GOOD_PASSWORD)
    response = admin_client.post(f"/api/invitations/{issued.invitation.pk}/revoke")
    assert response.status_code == 409


# --- accepting: someone who already has an account --------------------------------------------------------


def test_existing_user_must_log_in_as_the_invited_email(tenant, other_tenant):
    # given a user of another tenant, invited here as auditor
    existing = MembershipFactory(tenant=other_tenant, role=Role.ADMIN).user
    issued = invite(tenant, email=existing.email, role=Role.AUDITOR)
    url = f"/invitations/{secret_of(issued.link)}"
    # when opened without logging in, or posted to with a password
    anonymous = Client()
    page = anonymous.get(url)
    takeover = anonymous.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    # then it asks to log in, and the account's password is untouched
    assert page.status_code == takeover.status_code == 200
    assert "log in with it" in page.content.decode()
    existing.refresh_from_db()
    assert existing.check_password("correct-horse-battery") and not existing.check_password(GOOD_PASSWORD)
    assert not Membership.objects.filter(tenant=tenant, user=existing).exists()


def test_wrong_user_logged_in_cannot_accept(tenant, other_tenant):
    # given an invitation for an existing user, and someone else logged in
    invited = UserFactory()
    issued = invite(tenant, email=invited.email, role=Role.ADMIN)
    intruder = Client()
    intruder.force_login(UserFactory())
    url = f"/invitations/{secret_of(issued.link)}"
    # when the intruder opens and posts the link
    page = intruder.get(url)
    post = intruder.post(url)
    # then
    assert page.status_code == post.status_code == 403
    assert "for another account" in page.content.decode()
    assert Membership.objects.filter(tenant=tenant, role=Role.ADMIN).count() == 1  # the inviter only
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


def test_logged_in_user_cannot_take_an_invitation_for_a_new_email(tenant):
    issued = invite(tenant, email="fresh@example.com")
    intruder = Client()
    intruder.force_login(UserFactory())
    response = intruder.post(
        f"/invitations/{secret_of(issued.link)}", {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(email="fresh@example.com").exists()


def test_the_service_refuses_the_wrong_user(tenant):
    invited, other = UserFactory(), UserFactory()
    issued = invite(tenant, email=invited.email)
    with pytest.raises(PermissionDeniedError):
        services.invitation_accept(secret=secret_of(issued.link), user=other)
    with pytest.raises(PermissionDeniedError):
        services.invitation_accept(secret=secret_of(issued.link), password=GOOD_PASSWORD)


def test_invited_user_logged_in_accepts_and_lands_in_the_new_tenant(tenant, other_tenant):
    # given a user of another tenant, invited here as auditor, logged in
    existing = MembershipFactory(tenant=other_tenant, role=Role.ADMIN).user
    issued = invite(tenant, email=existing.email.upper(), role=Role.AUDITOR)
    client = Client()
    client.force_login(existing)
    url = f"/invitations/{secret_of(issued.link)}"
    # when they open it and accept
    page = client.get(url)
    response = client.post(url)
    # then they are an auditor here, still admin there, and the session acts in the new tenant
    assert page.status_code == 200 and "Accept and join Acme" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/"
    assert Membership.objects.get(tenant=tenant, user=existing).role == Role.AUDITOR
    assert Membership.objects.get(tenant=other_tenant, user=existing).role == Role.ADMIN
    assert client.session[SESSION_TENANT_KEY] == str(tenant.pk)
    existing.refresh_from_db()
    assert existing.check_password("correct-horse-battery")


def test_link_in_the_email_is_the_one_that_works(tenant):
    # given an invitation sent by mail
    invite(tenant, email="mailed@example.com")
    link = re.search(r"http://testserver(/invitations/\S+)", mail.outbox[-1].body).group(1)
    # when the link from the e-mail is followed
    response = Client().post(link, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    # then
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=tenant, user__email="mailed@example.com", role=Role.VIEWER).exists()


# --- under PostgreSQL row-level security ---------------------------------------------------------------

APP_ROLE = "cw_members_rls_app"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.skipif(not ON_POSTGRES, reason="row-level security is PostgreSQL's; set DATABASE_URL=postgres://…")
def test_the_public_link_works_as_the_app_role_and_joins_only_its_tenant(tenant, other_tenant):
    # given an invitation, and the connection acting as the role production runs as (no superuser, no bypass)
    issued = invite(tenant, email="rls@example.com", role=Role.MEMBER)
    invite(other_tenant, email="rls-other@example.com")
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    rls.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        # when the invited person opens the link and sets a password, with no tenant known beforehand
        client = Client()
        url = f"/invitations/{secret_of(issued.link)}"
        page = client.get(url)
        response = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
        # then the page found it, and the membership landed in the invitation's tenant
        assert page.status_code == 200, page.content
        assert response.status_code == 302
        with rls.system_scope(reason="test check"):
            joined = Membership.objects.get(user__email="rls@example.com")
            assert joined.tenant_id == tenant.pk and joined.role == Role.MEMBER
            assert AuditEvent.objects.filter(tenant=tenant, action="invitation.accepted").exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
