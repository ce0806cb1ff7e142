"""RDS settings (TLS parameters, event subscriptions, administrator names), SNS subscription and ACM transparency
logging checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_network_compute import imported_certificate
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    only,
    query_error,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:db-events"


def _group(endpoint: str, name: str, family: str, **parameters: str) -> str:
    """A DB parameter group of ``family`` setting ``parameters`` (names with dots passed as a dict)."""
    rds = aws(endpoint, "rds")
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description=name)
    if parameters:
        values = [{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "immediate"} for k, v in parameters.items()]
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=values)
    return name


def _cluster_group(endpoint: str, name: str, family: str, **parameters: str) -> str:
    rds = aws(endpoint, "rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description=name
    )
    values = [{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "immediate"} for k, v in parameters.items()]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=values)
    return name


def _instance(endpoint: str, name: str, engine: str, user: str = "app", region: str = REGION, **settings: Any) -> str:
    aws(endpoint, "rds", region).create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        MasterUsername=user,
        MasterUserPassword="a-long-password-1",
        AllocatedStorage=20,
        **settings,
    )
    return name


def _cluster(endpoint: str, name: str, engine: str, user: str = "app", **settings: Any) -> str:
    created = aws(endpoint, "rds").create_db_cluster(
        DBClusterIdentifier=name, Engine=engine, MasterUsername=user, MasterUserPassword="a-long-password-1", **settings
    )
    aws(endpoint, "rds").create_db_instance(
        DBInstanceIdentifier=f"{name}-1", DBInstanceClass="db.r5.large", Engine=engine, DBClusterIdentifier=name
    )
    return str(created["DBCluster"]["DBClusterArn"])


# --- TLS forced by the parameter groups ------------------------------------------------------------------------


def test_instances_are_judged_by_their_parameter_groups_tls_parameter(moto_reset: str) -> None:
    # given PostgreSQL and SQL Server instances forcing TLS, MySQL forcing it (ON), MariaDB with it off, PostgreSQL on
    # a group leaving rds.force_ssl unset, and an Oracle instance (TLS is an option group's: not judged)
    forced = _group(moto_reset, "pg-forced", "postgres16", **{"rds.force_ssl": "1"})
    _instance(moto_reset, "pg-a", "postgres", DBParameterGroupName=forced)
    _instance(moto_reset, "pg-b", "postgres", DBParameterGroupName=forced)
    sqlserver = _group(moto_reset, "mssql-forced", "sqlserver-ex-15.0", **{"rds.force_ssl": "1"})
    _instance(moto_reset, "mssql", "sqlserver-ex", DBParameterGroupName=sqlserver)
    mysql = _group(moto_reset, "mysql-forced", "mysql8.0", require_secure_transport="ON")
    _instance(moto_reset, "mysql", "mysql", DBParameterGroupName=mysql)
    mariadb = _group(moto_reset, "maria-open", "mariadb10.11", require_secure_transport="0")
    _instance(moto_reset, "maria", "mariadb", DBParameterGroupName=mariadb, EngineVersion="10.11.6")
    _instance(moto_reset, "pg-unset", "postgres", DBParameterGroupName=_group(moto_reset, "pg-plain", "postgres16"))
    _instance(moto_reset, "ora", "oracle-ee", DBParameterGroupName=_group(moto_reset, "ora", "oracle-ee-19"))
    built = connector(moto_reset)
    calls: list[Any] = []
    built.session.events.register("before-send.rds.DescribeDBParameters", lambda request, **_: calls.append(request))
    # when RDS is collected and the check runs
    outcomes = run(built.collect({"rds"}), "aws.rds.transport_encrypted")
    # then the forcing groups pass, the others fail, Oracle is not judged, and each group was read once
    assert statuses(outcomes) == {
        "pg-a": PASS,
        "pg-b": PASS,
        "mssql": PASS,
        "mysql": PASS,
        "maria": FAIL,
        "pg-unset": FAIL,
    }
    assert len(calls) == 5
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["maria"] == (
        "DB instance maria accepts connections without TLS: "
        "parameter group maria-open sets require_secure_transport = 0"
    )
    assert reasons["pg-unset"] == (
        "DB instance pg-unset accepts connections without TLS: parameter group pg-plain leaves rds.force_ssl unset"
    )
    assert {o.resource_id: o.observed["value"] for o in outcomes}["mysql"] == "ON"


def test_clusters_are_judged_by_their_cluster_parameter_group(moto_reset: str) -> None:
    # given an Aurora PostgreSQL cluster whose cluster parameter group forces TLS and an Aurora MySQL one whose group
    # turns it off, each with a member instance
    forced = _cluster_group(moto_reset, "apg-forced", "aurora-postgresql16", **{"rds.force_ssl": "1"})
    secure = _cluster(moto_reset, "secure", "aurora-postgresql", DBClusterParameterGroupName=forced)
    off = _cluster_group(moto_reset, "ams-off", "aurora-mysql8.0", require_secure_transport="OFF")
    open_cluster = _cluster(moto_reset, "open", "aurora-mysql", DBClusterParameterGroupName=off)
    # when both TLS checks run
    inv = collect(moto_reset, ["aws.rds.transport_encrypted", "aws.rds.cluster_transport_encrypted"])
    clusters = run(inv, "aws.rds.cluster_transport_encrypted")
    # then the clusters are judged on their groups, and their members are left to them
    assert statuses(clusters) == {secure: PASS, open_cluster: FAIL}
    assert {o.resource_id: o.reason for o in clusters}[open_cluster] == (
        "DB cluster open accepts connections without TLS: parameter group ams-off sets require_secure_transport = OFF"
    )
    assert run(inv, "aws.rds.transport_encrypted") == []


def test_a_parameter_group_that_cannot_be_read_is_an_error_for_its_instances(moto_reset: str) -> None:
    # given an instance on a custom group, and RDS refusing DescribeDBParameters
    _instance(moto_reset, "db", "postgres", DBParameterGroupName=_group(moto_reset, "pg", "postgres16"))
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.rds.DescribeDBParameters", denied)
    # when RDS is collected
    inventory = built.collect({"rds"})
    # then the TLS check reports an error naming the group, and the other checks still judge the instance
    outcome = only(run(inventory, "aws.rds.transport_encrypted"))
    assert (outcome.resource_id, outcome.status) == ("db", ERROR)
    assert outcome.reason.startswith("Could not read parameter group pg of DB instance db: DescribeDBParameters failed")
    assert statuses(run(inventory, "aws.rds.not_default_admin_username")) == {"db": PASS}


# --- event subscriptions ---------------------------------------------------------------------------------------------


def _subscription(endpoint: str, name: str, region: str = REGION, **settings: Any) -> None:
    aws(endpoint, "rds", region).create_event_subscription(SubscriptionName=name, SnsTopicArn=TOPIC, **settings)


def test_event_subscriptions_must_cover_every_instance_for_the_critical_categories(moto_reset: str) -> None:
    # given, in one region, two instances, a subscription for failure and maintenance of every instance, one for all
    # categories of the first instance only, and a disabled one for everything ...
    _instance(moto_reset, "orders", "postgres")
    _instance(moto_reset, "billing", "postgres")
    critical: dict[str, Any] = {
        "SourceType": "db-instance",
        "EventCategories": ["failure", "maintenance"],
        "Enabled": True,
    }
    _subscription(moto_reset, "instances", **critical)
    _subscription(moto_reset, "orders-all", SourceType="db-instance", SourceIds=["orders"], Enabled=True)
    _subscription(moto_reset, "paused", Enabled=False)
    # ... in the other region one instance and one enabled subscription for every source type and category, and in a
    # third region a subscription but no instance
    _instance(moto_reset, "west", "mysql", region=OTHER_REGION)
    _subscription(moto_reset, "everything", OTHER_REGION, Enabled=True)
    _subscription(moto_reset, "idle", "us-west-2", Enabled=True)
    # when the check runs over the three regions
    outcomes = scan(moto_reset, "aws.rds.event_subscription_critical", [REGION, OTHER_REGION, "us-west-2"])
    # then the region leaving billing's configuration changes unsent fails, the covered one passes, and the region
    # without instances is not judged
    by_region = {o.region: o for o in outcomes}
    assert {r: o.status for r, o in by_region.items()} == {REGION: FAIL, OTHER_REGION: PASS}
    assert by_region[REGION].resource_id == ACCOUNT
    assert by_region[REGION].reason == (
        f"RDS event subscriptions in {REGION} send no configuration change events of 1 of 2 DB instance(s): billing"
    )
    assert by_region[REGION].observed["uncovered"] == {"billing": ["configuration change"]}
    assert by_region[OTHER_REGION].reason == (
        f"RDS event subscriptions in {OTHER_REGION} (everything) send failure, maintenance, configuration change "
        "events of every DB instance"
    )


def test_a_region_without_an_enabled_subscription_fails(moto_reset: str) -> None:
    # given an instance and only a subscription for DB clusters' events
    _instance(moto_reset, "orders", "postgres")
    _subscription(moto_reset, "clusters", SourceType="db-cluster", Enabled=True)
    # when the check runs
    outcome = only(scan(moto_reset, "aws.rds.event_subscription_critical"))
    # then the region fails
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"No enabled RDS event subscription in {REGION} sends DB instance events "
        "(failure, maintenance, configuration change wanted)"
    )


CLUSTER_EVENTS = "aws.rds.cluster_event_subscription_critical"


def test_cluster_event_subscriptions_must_send_failure_and_maintenance_of_every_cluster(moto_reset: str) -> None:
    # given two clusters, a subscription for failure events of every cluster and one for maintenance of the first
    # only; and a region whose only subscription is for every source type and category
    _cluster(moto_reset, "orders", "aurora-postgresql")
    _cluster(moto_reset, "billing", "aurora-mysql")
    _subscription(moto_reset, "failures", SourceType="db-cluster", EventCategories=["failure"], Enabled=True)
    orders_upkeep = {"SourceType": "db-cluster", "SourceIds": ["orders"], "EventCategories": ["maintenance"]}
    _subscription(moto_reset, "orders-upkeep", Enabled=True, **orders_upkeep)
    aws(moto_reset, "rds", OTHER_REGION).create_db_cluster(
        DBClusterIdentifier="west", Engine="aurora-mysql", MasterUsername="app", MasterUserPassword="a-long-password-1"
    )
    _subscription(moto_reset, "everything", OTHER_REGION, Enabled=True)
    # when the check runs over both regions
    outcomes = {o.region: o for o in scan(moto_reset, CLUSTER_EVENTS, [REGION, OTHER_REGION])}
    # then the region leaving billing's maintenance unsent fails and the covered one passes
    assert {region: o.status for region, o in outcomes.items()} == {REGION: FAIL, OTHER_REGION: PASS}
    assert outcomes[REGION].reason == (
        f"RDS event subscriptions in {REGION} send no maintenance events of 1 of 2 DB cluster(s): billing"
    )
    assert outcomes[REGION].observed["uncovered"] == {"billing": ["maintenance"]}
    assert outcomes[OTHER_REGION].reason == (
        f"RDS event subscriptions in {OTHER_REGION} (everything) send failure, maintenance events of every DB cluster"
    )


def test_instance_subscriptions_do_not_cover_cluster_events(moto_reset: str) -> None:
    # given a cluster and only a subscription for DB instances' events (which the cluster's member satisfies)
    _cluster(moto_reset, "orders", "aurora-postgresql")
    _subscription(moto_reset, "instances", SourceType="db-instance", Enabled=True)
    # when both subscription checks run on one collection
    inv = collect(moto_reset, ["aws.rds.event_subscription_critical", CLUSTER_EVENTS])
    # then the instance check passes and the cluster check fails: a failover is a cluster event
    assert only(run(inv, "aws.rds.event_subscription_critical")).status == PASS
    outcome = only(run(inv, CLUSTER_EVENTS))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"No enabled RDS event subscription in {REGION} sends DB cluster events (failure, maintenance wanted)"
    )


PARAMETER_GROUP_EVENTS = "aws.rds.parameter_group_event_subscription"


def test_parameter_groups_in_use_need_their_configuration_changes_sent(moto_reset: str) -> None:
    # given instances on two custom parameter groups and one on AWS's default group (which cannot change), and a
    # subscription for configuration changes of the first custom group only
    _instance(moto_reset, "orders", "postgres", DBParameterGroupName=_group(moto_reset, "orders-pg", "postgres16"))
    _instance(moto_reset, "billing", "postgres", DBParameterGroupName=_group(moto_reset, "billing-pg", "postgres16"))
    _instance(moto_reset, "scratch", "postgres")
    only_orders = {"SourceType": "db-parameter-group", "SourceIds": ["orders-pg"], "Enabled": True}
    _subscription(moto_reset, "orders-pg-changes", EventCategories=["configuration change"], **only_orders)
    # when the check runs
    outcome = only(scan(moto_reset, PARAMETER_GROUP_EVENTS))
    # then it fails for the group nobody hears about; the default group is not judged
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason == (
        f"RDS event subscriptions in {REGION} send no configuration change events of 1 of 2 DB parameter group(s): "
        "billing-pg"
    )
    # given a subscription for every parameter group's events as well
    _subscription(moto_reset, "all-pg-changes", SourceType="db-parameter-group", Enabled=True)
    # when the check runs again, then it passes
    assert only(scan(moto_reset, PARAMETER_GROUP_EVENTS)).status == PASS


def test_instances_on_default_parameter_groups_only_are_not_judged_on_parameter_group_events(moto_reset: str) -> None:
    # given an instance on AWS's default group and no subscription
    _instance(moto_reset, "scratch", "postgres")
    # when the check runs, then nothing is judged
    assert scan(moto_reset, PARAMETER_GROUP_EVENTS) == []


# --- administrator user names ----------------------------------------------------------------------------------------


def test_default_administrator_names_fail(moto_reset: str) -> None:
    # given instances whose master users are "admin", "Postgres" and a custom name, and clusters with "root" and a
    # custom name (each with a member instance, judged on its cluster)
    _instance(moto_reset, "mysql-admin", "mysql", user="admin")
    _instance(moto_reset, "pg-default", "postgres", user="Postgres")
    _instance(moto_reset, "custom", "postgres", user="orders_owner")
    rooted = _cluster(moto_reset, "rooted", "aurora-mysql", user="root")
    named = _cluster(moto_reset, "named", "aurora-postgresql", user="ledger_owner")
    # when both checks run on one collection
    inv = collect(moto_reset, ["aws.rds.not_default_admin_username", "aws.rds.cluster_not_default_admin_username"])
    instances = run(inv, "aws.rds.not_default_admin_username")
    clusters = run(inv, "aws.rds.cluster_not_default_admin_username")
    # then the default names fail, whatever their case, and the members are left to their clusters
    assert statuses(instances) == {"mysql-admin": FAIL, "pg-default": FAIL, "custom": PASS}
    assert statuses(clusters) == {rooted: FAIL, named: PASS}
    reasons = {o.resource_id: o.reason for o in instances}
    assert (
        reasons["pg-default"] == "DB instance pg-default has the administrator user name Postgres, a well-known default"
    )
    # and a custom name is not repeated in the outcome
    custom = {o.resource_id: o for o in instances}["custom"]
    assert "orders_owner" not in custom.reason and custom.observed == {"default_username": None}


# --- SNS subscriptions -----------------------------------------------------------------------------------------------


def test_sns_subscriptions_must_use_https(moto_reset: str) -> None:
    # given a topic with an http subscription (credentials in its URL), an https one and a queue subscription
    sns = aws(moto_reset, "sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    plain = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://hook:s3cret@hooks.example.com/in?t=x")
    secure = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/in")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders")
    # when the check runs
    outcomes = scan(moto_reset, "aws.sns.subscription_https_only")
    # then the http subscription fails, the https one passes and the queue is not judged
    http_arn, https_arn = plain["SubscriptionArn"], secure["SubscriptionArn"]
    assert statuses(outcomes) == {http_arn: FAIL, https_arn: PASS}
    failed = {o.resource_id: o for o in outcomes}[http_arn]
    assert failed.reason == (
        f"SNS subscription {http_arn} delivers to a plain HTTP endpoint on hooks.example.com: "
        "messages cross the network unencrypted"
    )
    # and only the endpoint's host is kept: the URL's credentials and path reach no outcome
    assert failed.observed == {"protocol": "http", "endpoint_host": "hooks.example.com", "topic_arn": topic}
    assert "s3cret" not in repr(outcomes)


def test_sns_subscription_listing_denied_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a topic, and SNS refusing ListSubscriptions
    aws(moto_reset, "sns").create_topic(Name="orders", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AuthorizationError", "not authorized", status=403)])
    built.session.events.register("before-send.sns.ListSubscriptions", denied)
    # when SNS is collected
    inventory = built.collect({"sns"})
    # then the subscription check reports an error for the region and the topic checks still judge
    outcome = only(run(inventory, "aws.sns.subscription_https_only"))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, ERROR)
    assert "SNS subscriptions" in outcome.reason and "ListSubscriptions failed" in outcome.reason
    assert [o.status for o in run(inventory, "aws.sns.topic_encrypted")] == [PASS]


# --- ACM certificate transparency logging ---------------------------------------------------------------------------


def test_acm_certificates_opting_out_of_transparency_logs_fail(moto_reset: str) -> None:
    # given a certificate ACM issues with its default preference, one opted out, and an imported one
    acm = aws(moto_reset, "acm")
    logged = acm.request_certificate(DomainName="shop.example.com")["CertificateArn"]
    disabled = {"CertificateTransparencyLoggingPreference": "DISABLED"}
    hidden = acm.request_certificate(DomainName="intranet.example.com", Options=disabled)["CertificateArn"]
    imported_certificate(moto_reset, "legacy.example.com", 200, REGION)
    built = connector(moto_reset)
    calls: list[Any] = []
    built.session.events.register("before-send.acm.DescribeCertificate", lambda request, **_: calls.append(request))
    # when ACM is collected and the check runs
    outcomes = run(built.collect({"acm"}), "aws.acm.certificate_transparency_logging")
    # then the opted-out certificate fails, the imported one is not judged (nor described)
    assert statuses(outcomes) == {logged: PASS, hidden: FAIL}
    assert len(calls) == 2
    assert {o.resource_id: o.reason for o in outcomes}[hidden] == (
        "Certificate for intranet.example.com opts out of certificate transparency logging (preference DISABLED)"
    )


def test_acm_certificate_that_cannot_be_described_is_an_error(moto_reset: str) -> None:
    # given a certificate ACM issues, and ACM refusing DescribeCertificate
    arn = aws(moto_reset, "acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    built = connector(moto_reset)
    refusal = {"__type": "AccessDeniedException", "message": "not authorized"}
    built.session.events.register("before-send.acm.DescribeCertificate", answer([lambda: json_reply(refusal, 400)]))
    # when ACM is collected
    inventory = built.collect({"acm"})
    # then the transparency check reports an error for the certificate, and the key check still judges it
    outcome = only(run(inventory, "aws.acm.certificate_transparency_logging"))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "DescribeCertificate failed with AccessDeniedException" in outcome.reason
    assert statuses(run(inventory, "aws.acm.certificate_key_strength")) == {arn: PASS}
