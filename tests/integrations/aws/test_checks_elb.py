"""ELBv2 and classic load balancer checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, collect, connector, only, query_error, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MODERN = "ELBSecurityPolicy-TLS13-1-2-2021-06"
OLD = "ELBSecurityPolicy-2016-08"
PQ = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
TLS13 = "ELBSecurityPolicy-TLS13-1-3-2021-06"


def _subnets(ec2: Any) -> list[str]:
    return [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]][:2]


def _balancer(endpoint: str, name: str, kind: str = "application", **attributes: str) -> str:
    elbv2 = aws(endpoint, "elbv2")
    arn = elbv2.create_load_balancer(Name=name, Subnets=_subnets(aws(endpoint, "ec2")), Type=kind)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
        )
    return arn


def _target_group(endpoint: str, name: str) -> str:
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    return aws(endpoint, "elbv2").create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]


def _certificate(endpoint: str) -> str:
    return aws(endpoint, "acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]


def _https(endpoint: str, arn: str, policy: str, target_group: str, protocol: str = "HTTPS", port: int = 443) -> None:
    aws(endpoint, "elbv2").create_listener(
        LoadBalancerArn=arn,
        Protocol=protocol,
        Port=port,
        SslPolicy=policy,
        Certificates=[{"CertificateArn": _certificate(endpoint)}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )


def _http(endpoint: str, arn: str, action: dict[str, Any]) -> None:
    aws(endpoint, "elbv2").create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80, DefaultActions=[action])


REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}


def test_application_load_balancers_serve_https_only(moto_reset: str) -> None:
    # given an ALB redirecting HTTP to HTTPS, one forwarding plain HTTP, and a network load balancer
    tg = _target_group(moto_reset, "web")
    redirecting = _balancer(moto_reset, "redirecting")
    _http(moto_reset, redirecting, REDIRECT)
    _https(moto_reset, redirecting, MODERN, tg)
    plain = _balancer(moto_reset, "plain")
    _http(moto_reset, plain, {"Type": "forward", "TargetGroupArn": tg})
    _balancer(moto_reset, "network", "network")
    # when the check runs
    outcomes = scan(moto_reset, "aws.elbv2.listeners_encrypted")
    # then the ALB forwarding HTTP fails and the NLB is not judged
    assert statuses(outcomes) == {redirecting: PASS, plain: FAIL}
    assert next(o for o in outcomes if o.resource_id == plain).observed["unencrypted_listeners"] == ["HTTP:80"]


def test_tls_listeners_use_a_modern_policy(moto_reset: str) -> None:
    # given an ALB on a TLS 1.2+ policy, one on the 2016 policy, and one without TLS listeners
    tg = _target_group(moto_reset, "web")
    modern = _balancer(moto_reset, "modern")
    _https(moto_reset, modern, MODERN, tg)
    old = _balancer(moto_reset, "old")
    _https(moto_reset, old, OLD, tg)
    _http(moto_reset, _balancer(moto_reset, "http-only"), REDIRECT)
    # when the check runs
    outcomes = scan(moto_reset, "aws.elbv2.tls_policy_modern")
    # then the outdated policy fails and the balancer without TLS is not judged
    assert statuses(outcomes) == {modern: PASS, old: FAIL}
    assert next(o for o in outcomes if o.resource_id == old).observed["weak_policies"] == {"HTTPS:443": OLD}


def test_tls_listeners_offer_post_quantum_key_exchange(moto_reset: str) -> None:
    # given an ALB on a PQ policy, a network load balancer whose TLS listener is on a classical TLS 1.3 policy, an ALB
    # with one PQ and one classical HTTPS listener, and one without TLS listeners
    tg = _target_group(moto_reset, "web")
    hybrid = _balancer(moto_reset, "hybrid")
    _https(moto_reset, hybrid, PQ, tg)
    network = _balancer(moto_reset, "network", "network")
    _https(moto_reset, network, TLS13, tg, protocol="TLS")
    mixed = _balancer(moto_reset, "mixed")
    _https(moto_reset, mixed, PQ, tg)
    _https(moto_reset, mixed, MODERN, tg, port=8443)
    _http(moto_reset, _balancer(moto_reset, "http-only"), REDIRECT)
    # when the check runs
    outcomes = scan(moto_reset, "aws.elbv2.listener_post_quantum_tls")
    # then only the balancer whose every TLS listener is on a PQ policy passes, naming the classical listeners
    assert statuses(outcomes) == {hybrid: PASS, network: FAIL, mixed: FAIL}
    observed = {o.resource_id: o.observed["classical_policies"] for o in outcomes}
    assert observed == {hybrid: {}, network: {"TLS:443": TLS13}, mixed: {"HTTPS:8443": MODERN}}


def test_load_balancer_attributes(moto_reset: str) -> None:
    # given an ALB with logging, deletion protection and header dropping on, and one with defaults
    hardened = _balancer(
        moto_reset,
        "hardened",
        **{
            "access_logs.s3.enabled": "true",
            "access_logs.s3.bucket": "lb-logs",
            "deletion_protection.enabled": "true",
            "routing.http.drop_invalid_header_fields.enabled": "true",
        },
    )
    defaults = _balancer(moto_reset, "defaults")
    # when the three attribute checks run on one collection
    inv = collect(moto_reset, ["aws.elbv2.access_logging_enabled"])
    # then the hardened balancer passes each and the default one fails each
    for check_id in (
        "aws.elbv2.access_logging_enabled",
        "aws.elbv2.deletion_protection",
        "aws.elbv2.drop_invalid_header_fields",
    ):
        assert statuses(run(inv, check_id)) == {hardened: PASS, defaults: FAIL}, check_id


def test_classic_load_balancers(moto_reset: str) -> None:
    # given a classic load balancer with an SSL listener and access logs, and one serving HTTP without logs
    elb = aws(moto_reset, "elb")
    cert = _certificate(moto_reset)
    elb.create_load_balancer(
        LoadBalancerName="secure",
        Listeners=[{"Protocol": "SSL", "LoadBalancerPort": 443, "InstancePort": 443, "SSLCertificateId": cert}],
        AvailabilityZones=[f"{REGION}a"],
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerName="secure", LoadBalancerAttributes={"AccessLog": {"Enabled": True, "S3BucketName": "logs"}}
    )
    elb.create_load_balancer(
        LoadBalancerName="legacy",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{REGION}a"],
    )
    # when both classic checks run
    inv = collect(moto_reset, ["aws.elb.listeners_encrypted"])
    # then the legacy balancer fails both
    assert statuses(run(inv, "aws.elb.listeners_encrypted")) == {"secure": PASS, "legacy": FAIL}
    assert statuses(run(inv, "aws.elb.access_logging_enabled")) == {"secure": PASS, "legacy": FAIL}


def test_a_refused_elbv2_call_errors_only_the_elbv2_checks(moto_reset: str) -> None:
    # given a classic load balancer, and DescribeLoadBalancers of ELBv2 denied
    aws(moto_reset, "elb").create_load_balancer(
        LoadBalancerName="legacy",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{REGION}a"],
    )
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.elastic-load-balancing-v2.DescribeLoadBalancers",
        lambda **_: query_error("AccessDenied", "denied", 403),
    )
    # when the ELBv2 and classic checks run on one collection
    inv = built.collect({"elbv2", "elb"})
    # then the ELBv2 check reports the error and the classic one still judges
    assert [o.status for o in run(inv, "aws.elbv2.deletion_protection")] == [ERROR]
    assert statuses(run(inv, "aws.elb.listeners_encrypted")) == {"legacy": FAIL}


def _classic(endpoint: str, name: str, *listeners: dict[str, Any]) -> None:
    aws(endpoint, "elb").create_load_balancer(
        LoadBalancerName=name, Listeners=list(listeners), AvailabilityZones=[f"{REGION}a"]
    )


def _desync_mode(endpoint: str, name: str, mode: str) -> None:
    aws(endpoint, "elb").modify_load_balancer_attributes(
        LoadBalancerName=name,
        LoadBalancerAttributes={"AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": mode}]},
    )


HTTP_80 = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}


def test_classic_load_balancer_desync_mitigation(moto_reset: str) -> None:
    # given HTTP classic load balancers in strictest, defensive and monitor mode, one never set (moto then reports no
    # mode, where AWS reports its default, defensive), and a TCP-only one (no HTTP parsing to judge)
    for name, mode in (("strict", "strictest"), ("guarded", "defensive"), ("watching", "monitor")):
        _classic(moto_reset, name, HTTP_80)
        _desync_mode(moto_reset, name, mode)
    _classic(moto_reset, "unset", HTTP_80)
    _classic(moto_reset, "tcp", {"Protocol": "TCP", "LoadBalancerPort": 5432, "InstancePort": 5432})
    # when the desync check runs
    outcomes = scan(moto_reset, "aws.elb.desync_mitigation_mode")
    # then monitor mode fails, the safe modes and the default pass, and the TCP balancer is not judged
    assert statuses(outcomes) == {"strict": PASS, "guarded": PASS, "watching": FAIL, "unset": PASS}
    by_name = {o.resource_id: o for o in outcomes}
    assert by_name["watching"].reason == "Classic load balancer watching only monitors HTTP desync (monitor mode)"
    assert by_name["unset"].reason == (
        "Classic load balancer unset mitigates HTTP desync in defensive mode (not reported: AWS's default)"
    )


def test_classic_load_balancer_certificates_come_from_acm(moto_reset: str) -> None:
    # given a balancer whose HTTPS listener has an ACM certificate, one whose SSL listener has an IAM server
    # certificate, and a plain HTTP one (no certificate to judge)
    acm_certificate = _certificate(moto_reset)
    iam_certificate = aws(moto_reset, "iam").upload_server_certificate(
        ServerCertificateName="legacy-lb",
        CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    )["ServerCertificateMetadata"]["Arn"]
    https = {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80}
    _classic(moto_reset, "managed", {**https, "SSLCertificateId": acm_certificate})
    ssl = {"Protocol": "SSL", "LoadBalancerPort": 443, "InstancePort": 443, "SSLCertificateId": iam_certificate}
    _classic(moto_reset, "uploaded", ssl)
    _classic(moto_reset, "plain", HTTP_80)
    # when the certificate check runs
    outcomes = scan(moto_reset, "aws.elb.acm_certificates")
    # then the ACM one passes and the IAM one fails, naming the listener and certificate
    assert statuses(outcomes) == {"managed": PASS, "uploaded": FAIL}
    failed = next(o for o in outcomes if o.resource_id == "uploaded")
    assert failed.observed == {"non_acm_certificates": {"SSL:443": iam_certificate}}


CLASSIC_TLS = "aws.elb.tls_policy_modern"
DRAINING = "aws.elb.connection_draining_enabled"
V2_CROSS_ZONE = "aws.elbv2.cross_zone_load_balancing"


def _negotiation_policy(endpoint: str, balancer: str, name: str, *attributes: tuple[str, str]) -> None:
    aws(endpoint, "elb").create_load_balancer_policy(
        LoadBalancerName=balancer,
        PolicyName=name,
        PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[{"AttributeName": k, "AttributeValue": v} for k, v in attributes],
    )
    aws(endpoint, "elb").set_load_balancer_policies_of_listener(
        LoadBalancerName=balancer, LoadBalancerPort=443, PolicyNames=[name]
    )


def test_classic_tls_listeners_pass_only_under_a_tls_1_2_policy(moto_reset: str) -> None:
    # given classic load balancers whose HTTPS listener negotiates under a policy made from the TLS 1.2 predefined
    # policy, under one enabling TLS 1.0, under one named only by an old predefined policy, under none of their own
    # (AWS's default), and one serving plain HTTP only
    cert = _certificate(moto_reset)
    https = {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80, "SSLCertificateId": cert}
    for name in ("modern", "legacy", "referenced", "defaulted"):
        _classic(moto_reset, name, https)
    _classic(moto_reset, "plain", HTTP_80)
    _negotiation_policy(
        moto_reset,
        "modern",
        "tls12",
        ("Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01"),
        ("Protocol-TLSv1.2", "true"),
        ("Protocol-TLSv1.1", "false"),
        ("Protocol-TLSv1", "false"),
    )
    _negotiation_policy(moto_reset, "legacy", "old", ("Protocol-TLSv1.2", "true"), ("Protocol-TLSv1", "true"))
    _negotiation_policy(moto_reset, "referenced", "made", ("Reference-Security-Policy", "ELBSecurityPolicy-2016-08"))
    # when the classic TLS policy check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, CLASSIC_TLS)}
    # then only the TLS 1.2 one passes; each failure says which listener and why; the HTTP-only one is not judged
    assert statuses(outcomes.values()) == {"modern": PASS, "legacy": FAIL, "referenced": FAIL, "defaulted": FAIL}
    assert outcomes["modern"].reason == "Classic load balancer modern accepts TLS 1.2 or later only on HTTPS:443"
    assert outcomes["legacy"].reason == (
        "Classic load balancer legacy has listener(s) accepting outdated TLS: HTTPS:443 (policy old enables TLSv1)"
    )
    assert outcomes["referenced"].observed["weak_listeners"] == {
        "HTTPS:443": "policy made is made from ELBSecurityPolicy-2016-08, which accepts TLS 1.0"
    }
    assert outcomes["defaulted"].observed["weak_listeners"] == {
        "HTTPS:443": "no negotiation policy of its own, so ELBSecurityPolicy-2016-08, which accepts TLS 1.0 and 1.1"
    }


def test_classic_negotiation_policies_refused_are_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a classic HTTPS load balancer whose policies the account may not describe
    cert = _certificate(moto_reset)
    _classic(
        moto_reset, "shop", {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80, "SSLCertificateId": cert}
    )
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.elastic-load-balancing.DescribeLoadBalancerPolicies",
        lambda **_: query_error("AccessDenied", "denied", 403),
    )
    # when the classic load balancers are collected
    inv = built.collect({"elb"})
    # then the TLS policy check is an error naming the refusal, and the listener check still judges
    outcome = only(run(inv, CLASSIC_TLS))
    assert (outcome.resource_id, outcome.status) == ("shop", ERROR)
    assert outcome.reason.startswith("Could not read the SSL negotiation policies of classic load balancer shop: ")
    assert statuses(run(inv, "aws.elb.listeners_encrypted")) == {"shop": PASS}


def test_classic_connection_draining_passes_when_on(moto_reset: str) -> None:
    # given a classic load balancer draining connections and one that does not
    _classic(moto_reset, "draining", HTTP_80)
    _classic(moto_reset, "abrupt", HTTP_80)
    aws(moto_reset, "elb").modify_load_balancer_attributes(
        LoadBalancerName="draining",
        LoadBalancerAttributes={"ConnectionDraining": {"Enabled": True, "Timeout": 300}},
    )
    # when the draining check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, DRAINING)}
    # then the draining one passes
    assert statuses(outcomes.values()) == {"draining": PASS, "abrupt": FAIL}
    assert outcomes["abrupt"].reason == "Classic load balancer abrupt has connection draining off"


def test_network_load_balancers_pass_with_cross_zone_balancing_and_albs_are_not_judged(moto_reset: str) -> None:
    # given network load balancers with cross-zone balancing on and left off, and an application load balancer
    spread = _balancer(moto_reset, "spread", "network", **{"load_balancing.cross_zone.enabled": "true"})
    zonal = _balancer(moto_reset, "zonal", "network")
    _balancer(moto_reset, "web", "application")
    # when the cross-zone check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, V2_CROSS_ZONE)}
    # then the network ones are judged on the attribute
    assert statuses(outcomes.values()) == {spread: PASS, zonal: FAIL}
    assert outcomes[zonal].reason == "Network load balancer zonal has cross-zone load balancing off"


def test_load_balancers_without_a_listener_fail(moto_reset: str) -> None:
    # given an ALB with two listeners, a network load balancer with none, and an ALB with none
    tg = _target_group(moto_reset, "web")
    serving = _balancer(moto_reset, "serving")
    _http(moto_reset, serving, REDIRECT)
    _https(moto_reset, serving, MODERN, tg)
    idle_network = _balancer(moto_reset, "idle-network", "network")
    idle = _balancer(moto_reset, "idle")
    # when the check runs
    outcomes = scan(moto_reset, "aws.elbv2.has_listeners")
    # then every kind of ELBv2 balancer is judged, and the two without a listener fail
    assert statuses(outcomes) == {serving: PASS, idle_network: FAIL, idle: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[serving] == "Load balancer serving has 2 listeners"
    assert reasons[idle] == "Load balancer idle has no listener"
