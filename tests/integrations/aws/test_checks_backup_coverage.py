"""EBS volumes and DynamoDB tables in an AWS Backup plan: plans and selections made through moto's server
(selections from tests.moto_additions), volumes and tables with their tags from moto's own EC2 and DynamoDB."""

from __future__ import annotations

from typing import Any

from integrations.providers.aws.checks.backup_coverage import selects
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    db_instance,
    json_reply,
    only,
    query_error,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
VOLUMES = "aws.backup.ebs_volume_in_backup_plan"
TABLES = "aws.backup.dynamodb_table_in_backup_plan"
INSTANCES = "aws.backup.rds_instance_in_backup_plan"
CLUSTERS = "aws.backup.rds_cluster_in_backup_plan"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"


def _plan(endpoint: str, name: str, region: str = REGION, **selection: Any) -> str:
    """A daily backup plan named ``name`` with one selection (BackupSelection's own members); the plan id."""
    backup = aws(endpoint, "backup", region)
    plan = backup.create_backup_plan(
        BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "Default"}]}
    )["BackupPlanId"]
    if selection:
        backup.create_backup_selection(
            BackupPlanId=plan, BackupSelection={"SelectionName": f"{name}-resources", "IamRoleArn": ROLE, **selection}
        )
    return str(plan)


def _volume(endpoint: str, region: str = REGION, **tags: str) -> str:
    spec = [{"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    created = aws(endpoint, "ec2", region).create_volume(
        AvailabilityZone=f"{region}a", Size=8, **({"TagSpecifications": spec} if spec else {})
    )
    return str(created["VolumeId"])


def _table(endpoint: str, name: str, **tags: str) -> str:
    created = aws(endpoint, "dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **({"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}),
    )
    return str(created["TableDescription"]["TableArn"])


def test_volumes_selected_by_arn_pass_unless_left_out(moto_reset: str) -> None:
    # given a plan selecting every volume but one it names in NotResources, and an unselected volume in a region
    # whose only plan selects nothing
    kept, excluded = _volume(moto_reset), _volume(moto_reset)
    _plan(
        moto_reset,
        "all-volumes",
        Resources=["arn:aws:ec2:*:*:volume/*"],
        NotResources=[f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{excluded}"],
    )
    west = _volume(moto_reset, OTHER_REGION)
    _plan(moto_reset, "empty", OTHER_REGION)
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [VOLUMES], [REGION, OTHER_REGION]), VOLUMES)
    # then only the selected volume passes, naming the plan; the others fail, each in its own region
    assert statuses(outcomes) == {kept: PASS, excluded: FAIL, west: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[kept] == f"Volume {kept} is backed up by backup plan all-volumes (selection all-volumes-resources)"
    assert reasons[west] == f"Volume {west} is in no AWS Backup plan of {OTHER_REGION}"


def test_a_plan_in_another_region_does_not_cover_a_volume(moto_reset: str) -> None:
    # given a plan in the west selecting every volume, and a volume in the east
    volume = _volume(moto_reset)
    _plan(moto_reset, "west-volumes", OTHER_REGION, Resources=["*"])
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [VOLUMES], [REGION, OTHER_REGION]), VOLUMES)
    # then the east volume fails: plans back up resources of their own region
    assert statuses(outcomes) == {volume: FAIL}


def test_volumes_selected_by_tag_and_conditions(moto_reset: str) -> None:
    # given a plan selecting by tag (backup=daily or backup=hourly) and a plan selecting every volume whose env is
    # prod* unless it is marked scratch
    daily, hourly, untagged = (
        _volume(moto_reset, backup="daily"),
        _volume(moto_reset, backup="hourly"),
        _volume(moto_reset),
    )
    prod, scratch = _volume(moto_reset, env="prod-eu"), _volume(moto_reset, env="prod-eu", scratch="yes")
    _plan(
        moto_reset,
        "tagged",
        ListOfTags=[
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"},
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "hourly"},
        ],
    )
    _plan(
        moto_reset,
        "production",
        Resources=["*"],
        Conditions={
            "StringLike": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod*"}],
            "StringNotEquals": [{"ConditionKey": "aws:ResourceTag/scratch", "ConditionValue": "yes"}],
        },
    )
    # when the check runs
    outcomes = run(collect(moto_reset, [VOLUMES]), VOLUMES)
    # then the tagged and production volumes pass; the untagged and the scratch one fail
    assert statuses(outcomes) == {daily: PASS, hourly: PASS, untagged: FAIL, prod: PASS, scratch: FAIL}


def test_dynamodb_tables_selected_by_arn_or_tag(moto_reset: str) -> None:
    # given one plan naming the orders table and one selecting tables tagged backup=daily
    orders, users, scratch = (
        _table(moto_reset, "orders"),
        _table(moto_reset, "users", backup="daily"),
        _table(moto_reset, "scratch"),
    )
    _plan(moto_reset, "orders", Resources=[orders])
    _plan(
        moto_reset,
        "tagged",
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    )
    # when the check runs
    outcomes = run(collect(moto_reset, [TABLES]), TABLES)
    # then the named and the tagged tables pass, the other fails
    assert statuses(outcomes) == {orders: PASS, users: PASS, scratch: FAIL}
    assert {o.resource_id: o.reason for o in outcomes}[scratch] == f"Table scratch is in no AWS Backup plan of {REGION}"


def test_unreadable_selections_are_an_error_only_where_they_could_decide(moto_reset: str) -> None:
    # given a plan naming one volume, a second plan whose selections the role may not list, and two volumes
    named, other = _volume(moto_reset), _volume(moto_reset)
    _plan(moto_reset, "named", Resources=[f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{named}"])
    hidden = _plan(moto_reset, "hidden", Resources=["*"])
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=403)])

    def refuse_hidden(request: Any = None, **_: Any) -> Any:
        return refusal(request=request) if f"/plans/{hidden}/" in request.url else None

    built.session.events.register("before-send.backup.ListBackupSelections", refuse_hidden)
    # when the check runs
    outcomes = run(built.collect({"ec2", "backup"}), VOLUMES)
    # then the volume the readable plan names passes, and the other is an error naming the unreadable plan
    assert statuses(outcomes) == {named: PASS, other: ERROR}
    reason = next(o.reason for o in outcomes if o.resource_id == other)
    assert reason.startswith(
        f"Could not tell whether Volume {other} is in a backup plan: the selections of plan hidden"
    )
    assert "ListBackupSelections failed with AccessDeniedException (HTTP 403)" in reason


def test_unreadable_table_tags_are_an_error_only_for_a_selection_by_tag(moto_reset: str) -> None:
    # given a plan selecting by tag, another naming the orders table, and ListTagsOfResource refused
    orders, users = _table(moto_reset, "orders"), _table(moto_reset, "users", backup="daily")
    _plan(moto_reset, "orders", Resources=[orders])
    _plan(
        moto_reset,
        "tagged",
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    )
    built = connector(moto_reset)
    refused = json_reply({"__type": "AccessDeniedException", "message": "no"}, status=400)
    built.session.events.register("before-send.dynamodb.ListTagsOfResource", lambda **_: refused)
    # when the check runs
    outcomes = run(built.collect({"dynamodb", "backup"}), TABLES)
    # then the table named by ARN still passes, and the one only a tag could select is an error
    assert statuses(outcomes) == {orders: PASS, users: ERROR}


def test_a_region_opted_out_of_a_resource_type_backs_none_of_it_up(moto_reset: str) -> None:
    # given a plan selecting every volume and table, and the region opted out of DynamoDB (EBS left as AWS starts it)
    volume, orders = _volume(moto_reset), _table(moto_reset, "orders")
    _plan(moto_reset, "everything", Resources=["*"])
    backup = aws(moto_reset, "backup")
    assert backup.describe_region_settings()["ResourceTypeOptInPreference"]["EBS"] is True
    backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
    # when both checks run
    inventory = collect(moto_reset, [VOLUMES, TABLES])
    volumes, tables = run(inventory, VOLUMES), run(inventory, TABLES)
    # then the volume passes, and the table fails although the plan selects it, saying why
    assert statuses(volumes) == {volume: PASS}
    assert statuses(tables) == {orders: FAIL}
    assert tables[0].reason == (
        "Table orders is selected by backup plan everything (selection everything-resources), but AWS Backup is not "
        f"opted in to DynamoDB in {REGION}: the plan backs up none of it"
    )
    # and opting back in makes it pass
    backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": True})
    assert statuses(run(collect(moto_reset, [TABLES]), TABLES)) == {orders: PASS}


def test_an_unreadable_opt_in_is_an_error_only_for_selected_resources(moto_reset: str) -> None:
    # given a plan naming one volume, a second volume no plan selects, and DescribeRegionSettings refused
    named, other = _volume(moto_reset), _volume(moto_reset)
    _plan(moto_reset, "named", Resources=[f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{named}"])
    built = connector(moto_reset)
    refused = json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=403)
    built.session.events.register("before-send.backup.DescribeRegionSettings", lambda **_: refused)
    # when the check runs
    outcomes = run(built.collect({"ec2", "backup"}), VOLUMES)
    # then the selected volume is an error naming the read that failed; the unselected one fails regardless
    assert statuses(outcomes) == {named: ERROR, other: FAIL}
    reason = next(o.reason for o in outcomes if o.resource_id == named)
    assert reason.startswith(f"Volume {named} is selected by backup plan named (selection named-resources), but ")
    assert "DescribeRegionSettings failed with AccessDeniedException (HTTP 403)" in reason


def test_moto_refuses_an_opt_in_for_an_unknown_resource_type(moto_reset: str) -> None:
    # given the Backup service of the test server
    backup = aws(moto_reset, "backup")
    # when an unknown type is opted out alongside a known one
    try:
        backup.update_region_settings(ResourceTypeOptInPreference={"EBS": False, "Floppy": False})
    except backup.exceptions.InvalidParameterValueException as exc:
        refused = str(exc)
    else:
        refused = ""
    # then the call is refused as a whole, and the known type keeps its setting
    assert "Floppy" in refused
    assert backup.describe_region_settings()["ResourceTypeOptInPreference"]["EBS"] is True


def _aurora(endpoint: str, name: str, **tags: str) -> str:
    created = aws(endpoint, "rds").create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return str(created["DBCluster"]["DBClusterArn"])


def _instance_arn(name: str) -> str:
    return f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}"


def test_rds_instances_and_clusters_selected_by_tag_or_arn_pass(moto_reset: str) -> None:
    # given a plan selecting RDS resources tagged backup=daily, a plan naming every Aurora cluster by ARN pattern,
    # two standalone instances (one tagged) and a read replica of one, an Aurora cluster with a member instance, and
    # a Neptune instance
    db_instance(moto_reset, "orders", Tags=[{"Key": "backup", "Value": "daily"}])
    db_instance(moto_reset, "scratch")
    aws(moto_reset, "rds").create_db_instance_read_replica(
        DBInstanceIdentifier="orders-reader", SourceDBInstanceIdentifier="orders"
    )
    ledger = _aurora(moto_reset, "ledger")
    db_instance(moto_reset, "ledger-1", engine="aurora-postgresql", DBClusterIdentifier="ledger")
    aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    aws(moto_reset, "neptune").create_db_instance(
        DBInstanceIdentifier="graph-1", DBClusterIdentifier="graph", Engine="neptune", DBInstanceClass="db.r5.large"
    )
    _plan(
        moto_reset,
        "tagged",
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    )
    _plan(moto_reset, "aurora", Resources=["arn:aws:rds:*:*:cluster:*"])
    # when both RDS checks run on one collection
    inventory = collect(moto_reset, [INSTANCES, CLUSTERS])
    instances, clusters = run(inventory, INSTANCES), run(inventory, CLUSTERS)
    # then the tagged instance and the cluster pass, the untagged instance fails; the replica, the cluster's member
    # and the Neptune instance are not judged as instances
    assert statuses(instances) == {_instance_arn("orders"): PASS, _instance_arn("scratch"): FAIL}
    assert statuses(clusters) == {ledger: PASS}
    reasons = {o.resource_id: o.reason for o in instances + clusters}
    assert (
        reasons[_instance_arn("orders")]
        == "DB instance orders is backed up by backup plan tagged (selection tagged-resources)"
    )
    assert reasons[_instance_arn("scratch")] == f"DB instance scratch is in no AWS Backup plan of {REGION}"
    assert reasons[ledger] == "DB cluster ledger is backed up by backup plan aurora (selection aurora-resources)"


def test_aurora_and_rds_opt_ins_are_told_apart(moto_reset: str) -> None:
    # given a plan selecting everything, an instance and an Aurora cluster, and the region opted out of Aurora only
    db_instance(moto_reset, "orders")
    ledger = _aurora(moto_reset, "ledger")
    _plan(moto_reset, "everything", Resources=["*"])
    aws(moto_reset, "backup").update_region_settings(ResourceTypeOptInPreference={"Aurora": False})
    # when both RDS checks run
    inventory = collect(moto_reset, [INSTANCES, CLUSTERS])
    # then the instance passes and the cluster fails, naming the opt-in
    assert statuses(run(inventory, INSTANCES)) == {_instance_arn("orders"): PASS}
    cluster = only(run(inventory, CLUSTERS))
    assert (cluster.resource_id, cluster.status) == (ledger, FAIL)
    assert f"AWS Backup is not opted in to Aurora in {REGION}" in cluster.reason


def test_a_refused_cluster_listing_is_an_error_for_the_cluster_check(moto_reset: str) -> None:
    # given an Aurora cluster a plan selects, and RDS refusing the cluster listing
    _aurora(moto_reset, "ledger")
    _plan(moto_reset, "everything", Resources=["*"])
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.rds.DescribeDBClusters",
        answer([lambda: query_error("AccessDenied", "not authorized", status=403)]),
    )
    # when the cluster check runs
    outcome = only(run(built.collect({"rds", "backup"}), CLUSTERS))
    # then the region gets one error saying the clusters could not be listed
    assert (outcome.status, outcome.region) == (ERROR, REGION)
    assert outcome.reason.startswith(f"Could not list the DB clusters in {REGION}: ")


def test_selection_semantics_without_tags() -> None:
    # given selections by ARN, by tag and by condition, and a resource whose tags are unknown
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    by_arn = {
        "name": "a",
        "resources": ["arn:aws:dynamodb:*:*:table/ord*"],
        "not_resources": [],
        "list_of_tags": [],
        "conditions": {},
    }
    by_tag = {**by_arn, "resources": [], "list_of_tags": [{"ConditionKey": "b", "ConditionValue": "1"}]}
    by_condition = {
        **by_arn,
        "conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/b", "ConditionValue": "1"}]},
    }
    # when each is asked about the resource
    # then an ARN match decides without tags, and a tag or a condition cannot be told (None)
    assert (selects(by_arn, arn, None), selects(by_tag, arn, None), selects(by_condition, arn, None)) == (
        True,
        None,
        None,
    )
    assert selects({**by_arn, "resources": ["arn:aws:dynamodb:*:*:table/users"]}, arn, None) is False
    assert selects(by_condition, arn, {"b": "1"}) is True
    # and AWS's way of saying "no conditions" (every operator, each with an empty list) is no condition
    no_conditions = {op: [] for op in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")}
    assert selects({**by_arn, "conditions": no_conditions}, arn, None) is True
