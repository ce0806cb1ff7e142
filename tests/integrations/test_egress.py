"""The egress guard itself (complywise.egress): what it refuses, what the operator allows, and that a refused
connection never reaches a real listener, whatever the spelling of the address or the DNS answer."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from complywise import egress
from tests.integrations.egress_support import FakeDns, Listener

# The unspecified address: only ever a refused target in these tests, never bound.
UNSPECIFIED = "0.0.0.0"  # noqa: S104
# Spellings of this machine's loopback that the guard must see through, with the listener each reaches.
LOOPBACK_V4_SPELLINGS = ["127.0.0.1", "localhost", "127.1", UNSPECIFIED, "::ffff:127.0.0.1", "2130706433"]

REFUSED = [
    ("127.0.0.1", "a loopback address"),
    ("127.255.0.9", "a loopback address"),
    ("::1", "a loopback address"),
    (UNSPECIFIED, "the unspecified address"),
    ("::", "the unspecified address"),
    ("::ffff:127.0.0.1", "a loopback address (IPv4-mapped)"),
    ("::ffff:169.254.169.254", "a link-local address"),
    ("169.254.169.254", "a link-local address (where cloud metadata services live)"),
    ("fe80::1", "a link-local address"),
    ("10.0.0.1", "a private address"),
    ("172.16.5.4", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fd00::1", "a private address"),
    ("fd00:ec2::254", "a private address"),
    ("100.64.0.1", "a carrier-grade NAT (shared) address"),
    ("224.0.0.251", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("192.0.2.10", "not publicly routable"),
    ("198.18.0.1", "not publicly routable"),
    ("64:ff9b::7f00:1", "a loopback address (through NAT64)"),
    ("2002:a9fe:a9fe::1", "a link-local address (where cloud metadata services live) (through 6to4)"),
    ("::7f00:1", "an IPv4-compatible address"),
    ("fec0::1", "a site-local address"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"),
]


@pytest.fixture
def nothing_allowed(settings):
    settings.INTEGRATION_EGRESS_ALLOW = []


@pytest.fixture
def listener():
    server = Listener("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def listener6():
    server = Listener("::1")
    yield server
    server.close()


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_public_addresses_are_refused_and_say_why(address, kind):
    # given a policy that allows nothing beyond public addresses
    policy = egress.EgressPolicy()
    # when
    found = policy.refusal(ipaddress.ip_address(address))
    # then
    assert found is not None and kind in found


@pytest.mark.parametrize("address", ["8.8.8.8", "140.82.112.6", "2606:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_are_not_refused(address):
    assert egress.EgressPolicy().refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_takes_networks_and_host_names():
    # given an operator's list with CIDRs, a bracketed address, a name and a domain suffix
    policy = egress.EgressPolicy.from_entries(["10.1.0.0/16", " [fd00::5] ", "MinIO.Internal.", ".corp.example", ""])
    # then the networks allow what they contain (an IPv4 network also its IPv4-mapped form), nothing more
    assert policy.refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:10.1.2.3")) is None
    assert policy.refusal(ipaddress.ip_address("fd00::5")) is None
    assert policy.refusal(ipaddress.ip_address("10.2.0.1")) == "a private address"
    assert policy.refusal(ipaddress.ip_address("fd00::6")) == "a private address"
    # and the names allow themselves and subdomains of a dotted suffix only
    assert policy.allows_name("minio.internal") and policy.allows_name("db.corp.example")
    assert not policy.allows_name("corp.example.evil") and not policy.allows_name("xminio.internal")


def test_default_test_settings_allow_loopback_only():
    # the embedded default (what the tests and `make run` use) lets the demo and local emulators work
    assert egress.host_refusal("127.0.0.1") is None
    assert egress.host_refusal("::1") is None
    assert egress.host_refusal("localhost") is None
    assert "a private address" in egress.host_refusal("10.0.0.1")
    assert "link-local" in egress.host_refusal("169.254.169.254")


@pytest.mark.parametrize("empty", [[], "", ()])
def test_an_empty_allow_list_allows_public_addresses_only(settings, empty):
    settings.INTEGRATION_EGRESS_ALLOW = empty
    assert egress.host_refusal("127.0.0.1") == (
        "127.0.0.1 is a loopback address; integrations may only reach public addresses unless the operator "
        "allows it (INTEGRATION_EGRESS_ALLOW)."
    )
    assert egress.host_refusal("8.8.8.8") is None


@pytest.mark.parametrize("spelling", ["localhost", "127.1", "2130706433", "LOCALHOST.", "[::1]", "::ffff:127.0.0.1"])
def test_names_and_numeric_spellings_are_resolved_before_they_are_judged(nothing_allowed, spelling):
    refusal = egress.host_refusal(spelling)
    assert refusal is not None and "a loopback address" in refusal


def test_a_name_that_does_not_resolve_is_left_to_the_connect_time_check(nothing_allowed, monkeypatch):
    # given a name this machine cannot resolve (GitHub's default API root here, where there is no DNS)
    monkeypatch.setattr(egress, "resolver", FakeDns({"api.github.com": [[]]}))
    # then validation accepts it, and connecting reports the resolution failure
    assert egress.host_refusal("api.github.com") is None
    with pytest.raises(socket.gaierror):
        egress.vetted_addresses("api.github.com", 443)


@pytest.mark.parametrize("host", ["", "/var/run/postgresql", "db,10.0.0.1", "a b", "@abstract"])
def test_what_is_not_a_network_host_is_refused(host):
    assert egress.host_refusal(host) is not None
    with pytest.raises(egress.EgressDeniedError):
        egress.vetted_addresses(host, 5432)


def test_an_allowed_connection_reaches_the_listener(listener):
    # given the default settings (loopback allowed): the positive control for the tests below
    # when
    with egress.create_connection("127.0.0.1", listener.port, timeout=2):
        pass
    # then
    assert listener.connections() == 1


@pytest.mark.parametrize("spelling", LOOPBACK_V4_SPELLINGS)
def test_every_spelling_of_loopback_would_reach_the_listener_unguarded(listener, spelling):
    # the control: each spelling really lands on 127.0.0.1, so the refusals below are not vacuous
    family = socket.AF_INET6 if ":" in spelling else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect((spelling, listener.port))
    assert listener.connections() == 1


@pytest.mark.parametrize("spelling", LOOPBACK_V4_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_and_never_connects(nothing_allowed, listener, spelling):
    # when a connection is asked for
    with pytest.raises(egress.EgressDeniedError) as refused:
        egress.create_connection(spelling, listener.port, timeout=2)
    # then it is refused, saying why, and the listener saw nothing
    assert "a loopback address" in str(refused.value) or "the unspecified address" in str(refused.value)
    assert "INTEGRATION_EGRESS_ALLOW" in str(refused.value)
    assert listener.connections() == 0


def test_ipv6_loopback_is_refused_and_never_connects(nothing_allowed, listener6):
    with pytest.raises(egress.EgressDeniedError, match="::1 is a loopback address"):
        egress.create_connection("[::1]", listener6.port, timeout=2)
    assert listener6.connections() == 0


def test_dns_rebinding_is_caught_at_connect_time(nothing_allowed, monkeypatch, listener):
    # given a name that resolves to a public address when validated and to loopback when connected
    dns = FakeDns({"rebind.example": [["8.8.8.8"], ["127.0.0.1"]]})
    monkeypatch.setattr(egress, "resolver", dns)
    # when it is validated, then connected to
    accepted = egress.host_refusal("rebind.example")
    with pytest.raises(egress.EgressDeniedError) as refused:
        egress.create_connection("rebind.example", listener.port, timeout=2)
    # then validation passed, the connection was refused on the address actually resolved, nothing connected
    assert accepted is None
    assert str(refused.value).startswith("rebind.example resolves to 127.0.0.1, a loopback address;")
    assert listener.connections() == 0


def test_one_refused_address_among_several_refuses_the_name(nothing_allowed, monkeypatch, listener):
    monkeypatch.setattr(egress, "resolver", FakeDns({"mixed.example": [["8.8.8.8", "127.0.0.1"]]}))
    assert "127.0.0.1, a loopback address" in egress.host_refusal("mixed.example")
    with pytest.raises(egress.EgressDeniedError):
        egress.create_connection("mixed.example", listener.port, timeout=2)
    assert listener.connections() == 0


def test_the_connection_goes_to_the_vetted_address_without_a_second_lookup(monkeypatch, listener):
    # given a name (allowed, as loopback is by default) whose every later answer would be elsewhere
    dns = FakeDns({"svc.example": [["127.0.0.1"], ["10.9.9.9"]]})
    monkeypatch.setattr(egress, "resolver", dns)
    # when connected
    with egress.create_connection("svc.example", listener.port, timeout=2):
        pass
    # then the name was resolved exactly once and the vetted address is where the connection went
    assert dns.lookups == ["svc.example"]
    assert listener.connections() == 1


def test_an_allowed_name_may_resolve_to_what_its_addresses_alone_would_not_be(settings, monkeypatch, listener):
    # given an operator who allows one internal name, but no network
    settings.INTEGRATION_EGRESS_ALLOW = ["registry.internal"]
    monkeypatch.setattr(egress, "resolver", FakeDns({"registry.internal": [["127.0.0.1"]]}))
    # then that name connects, and loopback by address does not
    with egress.create_connection("registry.internal", listener.port, timeout=2):
        pass
    with pytest.raises(egress.EgressDeniedError):
        egress.create_connection("127.0.0.1", listener.port, timeout=2)
    assert listener.connections() == 1


def test_urllib_through_the_guard_is_refused_before_connecting(nothing_allowed, listener):
    opener = egress.build_opener()
    with pytest.raises(urllib.error.URLError) as failed:
        opener.open(f"http://127.0.0.1:{listener.port}/", timeout=2)
    assert isinstance(egress.refusal_in(failed.value), egress.EgressDeniedError)
    assert listener.connections() == 0


def test_urllib_through_the_guard_ignores_proxies_from_the_environment(monkeypatch, listener):
    # given a "proxy" in the environment (a listener) and a target (another one)
    proxy = Listener("127.0.0.1")
    try:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        # when a request is made (the target never answers: a short timeout ends it)
        with pytest.raises((urllib.error.URLError, TimeoutError)):
            egress.build_opener().open(f"http://127.0.0.1:{listener.port}/", timeout=0.5)
        # then it went straight to the target, never to the proxy
        assert listener.connections() == 1
        assert proxy.connections() == 0
    finally:
        proxy.close()


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, ([], [])),
        (
            {"INTEGRATION_EGRESS_ALLOW": "10.0.0.0/8,minio.internal", "HOST_SCAN_ALLOWED_ROOTS": "/mnt/hosts,/srv/img"},
            (["10.0.0.0/8", "minio.internal"], ["/mnt/hosts", "/srv/img"]),
        ),
    ],
)
def test_production_reads_both_settings_from_the_environment_and_defaults_to_nothing(environment, expected):
    # given the production settings module, with and without the operator's values
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("INTEGRATION_EGRESS_ALLOW", "HOST_SCAN_ALLOWED_ROOTS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "complywise.settings.production",
            "SECRET_KEY": "a-production-secret-for-this-test-only-0123456789",
            "FIELD_ENCRYPTION_KEY": "0GUmlMeUfgoZ4FqHiRPLVsg2ntXfDwrh95zS4d2kTnU=",
            **environment,
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(repr((s.INTEGRATION_EGRESS_ALLOW, s.HOST_SCAN_ALLOWED_ROOTS)))"
    )
    # when the settings are loaded in a fresh interpreter
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(expected)
