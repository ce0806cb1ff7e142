"""Password reset by e-mail: the link, Django's password validators, no account enumeration, audit."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client

from complywise.accounts.forms import PasswordSetForm
from complywise.choices import Role
from complywise.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory

from .accounts_support import logged_in_user_id, post_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-tractor-velvet-42"


@pytest.fixture
def member(tenant):
    return MembershipFactory(tenant=tenant, role=Role.MEMBER)


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_reset_by_email_end_to_end(member):
    # given a member logged in elsewhere
    elsewhere = Client()
    elsewhere.force_login(member.user)
    client = Client()
    # when they ask for a reset with their address in another case
    response = client.post("/accounts/password_reset/", {"email": member.user.email.upper()})
    # then one e-mail with a one-time link goes to the account's address
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.user.email] and "Reset your ComplyWise password" in message.subject
    # when the link is opened, it moves to a URL without the token and shows the form
    form_page = client.get(reset_link(message), follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    assert "set-password" in set_url
    # when a password the validators refuse is chosen
    weak = client.post(set_url, {"new_password1": "password", "new_password2": "password"})
    # then the form answers 400 with the validators' reasons
    assert weak.status_code == 400
    assert "This password is too common." in weak.content.decode()
    # when a good password is chosen
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then it is set, old sessions end, the old password no longer works and the new one does
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert elsewhere.get("/scans/")["Location"].startswith("/accounts/login/")
    assert post_password(Client(), member.user).status_code == 200
    fresh = Client()
    assert post_password(fresh, member.user, password=NEW_PASSWORD)["Location"] == "/"
    assert logged_in_user_id(fresh) == str(member.user.pk)
    assert AuditEvent.objects.filter(tenant=member.tenant, action="auth.password_reset", actor=member.user).count() == 1
    # and the link does not work twice
    assert "invalid or has already been used" in Client().get(reset_link(message), follow=True).content.decode()


def test_the_answer_does_not_tell_whether_an_address_has_an_account(member):
    # when a reset is asked for an unknown address and for a known one
    unknown = Client().post("/accounts/password_reset/", {"email": "nobody@example.com"})
    known = Client().post("/accounts/password_reset/", {"email": member.user.email})
    # then both get the same answer, and only the known one gets mail
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [[member.user.email]]


def test_a_reset_lifts_the_lockout_of_the_account(member):
    # given an account locked out by wrong passwords
    for n in range(5):
        post_password(Client(), member.user, password="wrong", ip=f"198.51.100.{n + 1}")
    assert post_password(Client(), member.user, ip="203.0.113.3").status_code == 429
    # when its owner resets the password from the mailbox
    client = Client()
    client.post("/accounts/password_reset/", {"email": member.user.email})
    set_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then the new password logs in at once
    assert post_password(Client(), member.user, password=NEW_PASSWORD, ip="203.0.113.3")["Location"] == "/"


def test_password_set_form_applies_the_validators_for_other_flows():
    # given an account (e.g. an invited person's)
    user = UserFactory(username="new.person@example.com", email="new.person@example.com")
    # when a password like its own address, or a short numeric one, is chosen
    similar = PasswordSetForm(
        user, {"new_password1": "new.person@example.com", "new_password2": "new.person@example.com"}
    )
    numeric = PasswordSetForm(user, {"new_password1": "1234567", "new_password2": "1234567"})
    good = PasswordSetForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then only the good one passes and saves
    assert not similar.is_valid() and "too similar" in str(similar.errors)
    assert not numeric.is_valid() and "entirely numeric" in str(numeric.errors)
    assert good.is_valid()
    good.save()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_change_password_needs_the_old_one_and_passes_the_validators(member):
    # given a logged-in member
    client = Client()
    post_password(client, member.user)
    # when the old password is wrong, or the new one too common
    wrong_old = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    common = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": "password1", "new_password2": "password1"},
    )
    # then nothing changes
    assert "Your old password was entered incorrectly" in wrong_old.content.decode()
    assert "This password is too common." in common.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password("correct-horse-battery")
    # when it is right
    done = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    # then the password is changed and this session stays logged in
    assert done.status_code == 302 and done["Location"] == "/accounts/security/"
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert client.get("/accounts/security/").status_code == 200


# --- limits -------------------------------------------------------------------------------------------------


def test_resets_to_one_address_are_limited_per_hour_without_the_page_saying_so(member, settings, caplog):
    # given a limit of three reset e-mails an hour to one address
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 3
    # when a fourth and a fifth are asked for, from different client addresses and in other letter cases
    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/accounts/password_reset/", {"email": email})
        for n, email in enumerate([member.user.email, member.user.email.upper()] * 2 + [member.user.email])
    ]
    # then three e-mails went out, and every request got the same answer as a sent one
    assert len(mail.outbox) == 3
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/accounts/password_reset/done/")}
    # and the operator's log says why the others were not sent, without the address itself
    refused = [r for r in caplog.records if r.getMessage() == "password reset refused: too many for this address"]
    assert len(refused) == 2
    assert all(member.user.email not in str(r.__dict__) for r in refused)


def test_resets_from_one_client_are_limited_per_hour_whatever_the_addresses(tenant, settings):
    # given a limit of four reset requests an hour from one client, and five accounts
    settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR = 4
    members = [MembershipFactory(tenant=tenant, role=Role.MEMBER) for _ in range(5)]
    client = Client(REMOTE_ADDR="203.0.113.9")
    # when one client asks a reset for each of them
    answers = [client.post("/accounts/password_reset/", {"email": m.user.email}) for m in members]
    # then only the first four were sent; the fifth got the same answer
    assert [m.to for m in mail.outbox] == [[m.user.email] for m in members[:4]]
    assert answers[-1].status_code == 302 and answers[-1]["Location"] == "/accounts/password_reset/done/"
    # and another client is not held by that one's count
    Client(REMOTE_ADDR="203.0.113.10").post("/accounts/password_reset/", {"email": members[4].user.email})
    assert mail.outbox[-1].to == [members[4].user.email]


def test_a_reset_limit_window_ends(member, settings, monkeypatch):
    # given an address at its limit, in windows of one second
    from complywise.accounts import services

    monkeypatch.setattr(services, "PASSWORD_RESET_WINDOW_SECONDS", 1)
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 1
    Client().post("/accounts/password_reset/", {"email": member.user.email})
    Client().post("/accounts/password_reset/", {"email": member.user.email})
    assert len(mail.outbox) == 1
    # when the window has ended
    time.sleep(1.5)
    # then the next request is sent
    Client().post("/accounts/password_reset/", {"email": member.user.email})
    assert len(mail.outbox) == 2
