"""CodeBuild project, SSM document, Glue and Route 53 checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import codebuild as codebuild_collector
from integrations.providers.aws.collectors import ssm as ssm_collector
from integrations.providers.aws.collectors.codebuild import url_has_credentials
from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_devtools import (
    BUILD_ENVIRONMENT,
    DOCUMENT,
    ROLE,
    glue_job,
    hardened_project,
    security_configuration,
)
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    connector,
    fake_response,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
PROJECT_CHECKS = [
    "aws.codebuild.project_logging_enabled",
    "aws.codebuild.project_no_plaintext_secrets",
    "aws.codebuild.project_source_url_no_credentials",
    "aws.codebuild.project_artifacts_encrypted",
    "aws.codebuild.project_s3_logs_encrypted",
]
CATALOG_CHECKS = ["aws.glue.data_catalog_metadata_encrypted", "aws.glue.data_catalog_connection_passwords_encrypted"]
JOB_CHECKS = ["aws.glue.job_s3_encryption_enabled", "aws.glue.job_cloudwatch_logs_encrypted"]
BOOKMARKS = "aws.glue.job_bookmarks_encrypted"
CATALOG_POLICY_CHECK = "aws.glue.data_catalog_policy_not_public"
ZONE_CHECK = "aws.route53.public_zone_query_logging_enabled"
DOCUMENT_CHECK = "aws.ssm.document_not_public"


# --- codebuild -----------------------------------------------------------------------------------------------------


def test_project_checks_pass_a_hardened_project_and_fail_a_loose_one(moto_reset: str) -> None:
    # given a project logging to CloudWatch and to encrypted S3 logs, with a secret referenced from Secrets Manager, a
    # plain source URL and encrypted artifacts; and one logging nowhere (and to unencrypted S3 logs, off), with an
    # access key pair in plain variables, a user and password in its source URL and unencrypted artifacts
    hardened = hardened_project(moto_reset, "storefront", REGION)
    loose = hardened_project(
        moto_reset,
        "legacy",
        REGION,
        source={"type": "BITBUCKET", "location": "https://deploy:hunter2@bitbucket.org/example/legacy.git"},
        artifacts={"type": "S3", "location": "build-output", "encryptionDisabled": True},
        environment={
            **BUILD_ENVIRONMENT,
            "environmentVariables": [
                {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAEXAMPLE", "type": "PLAINTEXT"},
                {"name": "aws-secret-access-key", "value": "not-a-real-key"},
                {"name": "REGION", "value": REGION},
            ],
        },
        logsConfig={
            "cloudWatchLogs": {"status": "DISABLED"},
            "s3Logs": {"status": "ENABLED", "location": "build-logs/legacy", "encryptionDisabled": True},
        },
    )
    # when the project checks run on one collection
    collected = collect(moto_reset, PROJECT_CHECKS)
    outcomes = {cid: {o.resource_id: o for o in run(collected, cid)} for cid in PROJECT_CHECKS}
    # then the hardened project passes every check and the loose one fails every one but logging, which its
    # (unencrypted) S3 logs satisfy
    assert {cid: {arn: o.status for arn, o in found.items()} for cid, found in outcomes.items()} == {
        PROJECT_CHECKS[0]: {hardened: PASS, loose: PASS},
        **{cid: {hardened: PASS, loose: FAIL} for cid in PROJECT_CHECKS[1:]},
    }
    # and the reasons name the project and what was seen, never a credential's value
    logging, secrets, source, artifacts, s3_logs = (outcomes[cid] for cid in PROJECT_CHECKS)
    assert logging[hardened].reason == "CodeBuild project storefront sends its build logs to CloudWatch Logs and S3"
    assert logging[loose].reason == "CodeBuild project legacy sends its build logs to S3"
    assert secrets[hardened].reason == "CodeBuild project storefront sets no secret-looking plain environment variable"
    assert secrets[loose].reason == (
        "CodeBuild project legacy sets secret-looking plain environment variable(s): AWS_ACCESS_KEY_ID, "
        "aws-secret-access-key"
    )
    assert source[hardened].reason == "CodeBuild project storefront: no source URL carries sign-in credentials"
    assert source[loose].reason == "CodeBuild project legacy: the URL of its primary source carries sign-in credentials"
    assert source[loose].observed == {"sources_with_credentials": ["primary"]}
    assert artifacts[hardened].reason == "CodeBuild project storefront leaves encryption on for its S3 artifacts"
    assert (
        artifacts[loose].reason
        == "CodeBuild project legacy writes its primary artifacts to S3 with encryption disabled"
    )
    assert (
        s3_logs[hardened].reason == "CodeBuild project storefront writes its build logs to S3 with encryption enabled"
    )
    assert s3_logs[loose].reason == "CodeBuild project legacy writes its build logs to S3 with encryption disabled"
    # and nothing of the credentials reached the inventory
    inventory_text = str(collected.data)
    assert (
        "hunter2" not in inventory_text
        and "AKIAEXAMPLE" not in inventory_text
        and "not-a-real-key" not in inventory_text
    )


def test_plain_variables_whose_values_hold_credentials_fail_whatever_they_are_named(moto_reset: str) -> None:
    # given a project whose innocently named plain variables hold an access key id, a GitHub token and a connection
    # string with a password, beside one named like a credential and ordinary settings
    access_key = "AKIA" + "IOSFODNN7EXAMPL1"
    token = "ghp_" + "a1B2" * 9
    project = hardened_project(
        moto_reset,
        "deployer",
        REGION,
        environment={
            **BUILD_ENVIRONMENT,
            "environmentVariables": [
                {"name": "UPLOAD_CONFIG", "value": access_key},
                {"name": "REPO_HOOK", "value": token},
                {"name": "DATABASE_URL", "value": "host=db user=app password=Tr0ub4dor-and-3"},
                {"name": "SIGNING_SECRET", "value": "short"},
                {"name": "STAGE", "value": "prod"},
                {"name": "FROM_VAULT", "value": "deploy/key", "type": "SECRETS_MANAGER"},
            ],
        },
    )
    # when the check runs
    collected = collect(moto_reset, ["aws.codebuild.project_no_plaintext_secrets"])
    outcome = only(run(collected, "aws.codebuild.project_no_plaintext_secrets"))
    # then it fails, naming each variable and what its value holds, never the value
    assert (outcome.resource_id, outcome.status) == (project, FAIL)
    assert outcome.reason == (
        "CodeBuild project deployer sets secret-looking plain environment variable(s): DATABASE_URL (its value holds "
        "password), REPO_HOOK (its value holds service_token), SIGNING_SECRET, UPLOAD_CONFIG (its value holds "
        "aws_access_key_id)"
    )
    inventory_text = str(collected.data)
    assert access_key not in inventory_text and token not in inventory_text and "Tr0ub4dor" not in inventory_text


def test_a_project_logging_nowhere_fails(moto_reset: str) -> None:
    # given a project with CloudWatch Logs and S3 logs both disabled
    arn = hardened_project(
        moto_reset,
        "silent",
        REGION,
        logsConfig={"cloudWatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED"}},
    )
    # when the logging check runs
    outcome = only(scan(moto_reset, PROJECT_CHECKS[0]))
    # then it fails, saying no build log is kept
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert (
        outcome.reason
        == "CodeBuild project silent has both CloudWatch Logs and S3 logs disabled, so no build log is kept"
    )
    assert outcome.observed == {"cloudwatch_logs_status": "DISABLED", "s3_logs_status": "DISABLED"}


def test_a_project_with_codebuilds_defaults_logs_to_cloudwatch_and_is_judged_only_where_it_can_be(
    moto_reset: str,
) -> None:
    # given a project created without a logs configuration, writing no artifacts, from an S3 source
    arn = aws(moto_reset, "codebuild").create_project(
        name="defaults",
        source={"type": "S3", "location": "build-sources/defaults.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=BUILD_ENVIRONMENT,
        serviceRole=ROLE,
    )["project"]["arn"]
    # when the project checks run
    collected = collect(moto_reset, PROJECT_CHECKS)
    # then logging passes on CodeBuild's default (CloudWatch Logs on), the secret and source checks pass, and the two
    # encryption checks have nothing to judge (no S3 artifacts, no S3 logs)
    assert {cid: statuses(run(collected, cid)) for cid in PROJECT_CHECKS} == {
        PROJECT_CHECKS[0]: {arn: PASS},
        PROJECT_CHECKS[1]: {arn: PASS},
        PROJECT_CHECKS[2]: {arn: PASS},
        PROJECT_CHECKS[3]: {},
        PROJECT_CHECKS[4]: {},
    }


def test_projects_made_public_fail_and_private_ones_pass(moto_reset: str) -> None:
    # given a project left at CodeBuild's default visibility, one made public, and one made public and private again
    codebuild = aws(moto_reset, "codebuild")

    def project(name: str) -> str:
        return str(
            codebuild.create_project(
                name=name,
                source={"type": "S3", "location": f"build-sources/{name}.zip"},
                artifacts={"type": "NO_ARTIFACTS"},
                environment=BUILD_ENVIRONMENT,
                serviceRole=ROLE,
            )["project"]["arn"]
        )

    private, public, reverted = project("private"), project("public"), project("reverted")
    for arn in (public, reverted):
        codebuild.update_project_visibility(projectArn=arn, projectVisibility="PUBLIC_READ", resourceAccessRole=ROLE)
    codebuild.update_project_visibility(projectArn=reverted, projectVisibility="PRIVATE")
    # when the check runs
    outcomes = scan(moto_reset, "aws.codebuild.project_not_public")
    # then only the public project fails
    assert statuses(outcomes) == {private: PASS, public: FAIL, reverted: PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[public] == "CodeBuild project public shows its builds, logs and artifacts to the public"
    assert reasons[private] == "CodeBuild project private keeps its builds private"


@pytest.mark.parametrize(
    ("location", "leaks"),
    [
        ("https://user:password@github.com/example/app.git", True),
        ("https://ghp_token@github.com/example/app.git", True),
        ("HTTPS://x-token-auth:abc@bitbucket.org/example/app.git", True),
        ("http://user:pw@git.internal.example/app.git", True),
        ("https://github.com/example/app.git", False),
        ("https://github.com/example/app@v2.git", False),
        ("git@github.com:example/app.git", False),
        ("build-sources/app.zip", False),
        ("https://git-codecommit.us-east-1.amazonaws.com/v1/repos/app", False),
        (None, False),
    ],
)
def test_source_urls_with_sign_in_details(location: Any, leaks: bool) -> None:
    # given a source location
    # when it is examined for sign-in details before its host
    # then only http(s) URLs carrying some are flagged
    assert url_has_credentials(location) is leaks


def test_projects_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a project with a plain password in the other region only
    plain = [{"name": "DB_PASSWORD", "value": "not-a-real-password"}]
    arn = hardened_project(
        moto_reset, "west", OTHER_REGION, environment={**BUILD_ENVIRONMENT, "environmentVariables": plain}
    )
    # when the secret check runs over both regions
    outcome = only(scan(moto_reset, PROJECT_CHECKS[1], regions=[REGION, OTHER_REGION]))
    # then the project is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_projects_codebuild_refuses_to_describe_are_errors_for_every_check(moto_reset: str) -> None:
    # given a project, and CodeBuild refusing to describe it
    arn = hardened_project(moto_reset, "guarded", REGION)
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "message": "denied"}, 400)
    built.session.events.register("before-send.codebuild.BatchGetProjects", lambda **_: denied)
    # when CodeBuild is collected and the project checks run
    collected = built.collect({"codebuild"})
    # then each check reports an error for the project, naming it and the refusal
    assert collected.errors == {} and collected.region_errors == {}
    for cid in PROJECT_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (arn, ERROR)
        assert outcome.reason.startswith("Could not describe CodeBuild project guarded: BatchGetProjects failed")


def test_projects_are_described_in_batches_and_past_the_bound_left_unread(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given five projects, a collector reading at most four per region, two to a batch
    monkeypatch.setattr(codebuild_collector, "MAX_PROJECTS", 4)
    monkeypatch.setattr(codebuild_collector, "_BATCH", 2)
    for index in range(5):
        hardened_project(moto_reset, f"project-{index}", REGION)
    built = connector(moto_reset)
    batches: list[str] = []
    built.session.events.register("before-call.codebuild.BatchGetProjects", lambda **_: batches.append("call"))
    # when the source check runs
    outcomes = run(built.collect({"codebuild"}), PROJECT_CHECKS[2])
    # then four projects are judged, read in two batches, and the region gets an error saying the rest were not
    assert sorted(o.status for o in outcomes) == sorted([PASS] * 4 + [ERROR])
    assert len(batches) == 2
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 4 build projects; only the first 4 were read and judged"


# --- ssm -----------------------------------------------------------------------------------------------------------


def _document(endpoint: str, name: str, region: str = REGION, *, shared_with: list[str] | None = None) -> str:
    ssm = aws(endpoint, "ssm", region)
    ssm.create_document(Content=DOCUMENT, Name=name, DocumentType="Command")
    if shared_with:
        ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=shared_with)
    return f"arn:aws:ssm:{region}:{ACCOUNT}:document/{name}"


def test_public_documents_fail_and_private_or_account_shared_ones_pass(moto_reset: str) -> None:
    # given a document shared with every account, one shared with two accounts by id, and one not shared
    public = _document(moto_reset, "bootstrap", shared_with=["all"])
    partners = _document(moto_reset, "restart-web", shared_with=["111122223333", "444455556666"])
    private = _document(moto_reset, "rotate-logs")
    # when the document check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, DOCUMENT_CHECK)}
    # then only the public one fails, and each reason says with whom it is shared
    assert {arn: o.status for arn, o in outcomes.items()} == {public: FAIL, partners: PASS, private: PASS}
    assert outcomes[public].reason == "SSM document bootstrap is shared publicly, with every AWS account"
    assert outcomes[partners].reason == "SSM document restart-web is not public; it is shared with 2 account(s) by id"
    assert outcomes[private].reason == "SSM document rotate-logs is not shared"
    assert outcomes[public].observed == {"public": True, "shared_account_count": 0}


def test_a_document_made_private_again_passes(moto_reset: str) -> None:
    # given a document shared publicly, then no longer
    arn = _document(moto_reset, "bootstrap", shared_with=["all"])
    aws(moto_reset, "ssm").modify_document_permission(
        Name="bootstrap", PermissionType="Share", AccountIdsToRemove=["all"]
    )
    # when the document check runs
    # then it passes
    assert statuses(scan(moto_reset, DOCUMENT_CHECK)) == {arn: PASS}


def test_documents_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a public document in the other region only
    arn = _document(moto_reset, "west", OTHER_REGION, shared_with=["all"])
    # when the document check runs over both regions
    outcome = only(scan(moto_reset, DOCUMENT_CHECK, regions=[REGION, OTHER_REGION]))
    # then the document is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_a_document_whose_permissions_cannot_be_read_is_an_error_and_a_deleted_one_is_left_out(
    moto_reset: str,
) -> None:
    # given two documents: SSM refuses to say with whom one is shared and no longer knows the other
    guarded, _ = _document(moto_reset, "guarded"), _document(moto_reset, "gone")
    built = connector(moto_reset)

    def answer(request: Any = None, **_: Any) -> Any:
        if b'"guarded"' in request.body:
            return json_reply({"__type": "AccessDeniedException", "message": "denied"}, 400)
        return json_reply({"__type": "InvalidDocument", "message": "gone"}, 400)

    built.session.events.register("before-send.ssm.DescribeDocumentPermission", answer)
    # when SSM is collected and the document check runs
    outcome = only(run(built.collect({"ssm"}), DOCUMENT_CHECK))
    # then the refused document is an error naming the refusal, and the deleted one is not judged
    assert (outcome.resource_id, outcome.status) == (guarded, ERROR)
    assert outcome.reason.startswith("Could not describe SSM document guarded: DescribeDocumentPermission failed")


def test_documents_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three documents, and a collector that reads at most two per region
    monkeypatch.setattr(ssm_collector, "MAX_DOCUMENTS", 2)
    for name in ("one", "two", "three"):
        _document(moto_reset, name)
    # when the document check runs
    outcomes = scan(moto_reset, DOCUMENT_CHECK)
    # then two are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert bound.reason == f"{REGION} holds more than 2 owned documents; only the first 2 were read and judged"


SECRETS_CHECK = "aws.ssm.document_no_secrets"
# A Command document in YAML whose script writes a database password and an access key id in clear (lines 8 and 9).
LEAKY_DOCUMENT = """schemaVersion: '2.2'
description: Configure the reporting job
mainSteps:
  - action: aws:runShellScript
    name: configure
    inputs:
      runCommand:
        - export DB_PASSWORD=Tr0ub4dor-and-3
        - aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE
"""
# The same job taking its password from a SecureString parameter at run time.
TIDY_DOCUMENT = LEAKY_DOCUMENT.replace("Tr0ub4dor-and-3", "{{ssm-secure:/reports/db-password}}").replace(
    "        - aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n", ""
)


def _yaml_document(endpoint: str, name: str, content: str) -> str:
    aws(endpoint, "ssm").create_document(Content=content, Name=name, DocumentType="Command", DocumentFormat="YAML")
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/{name}"


def test_documents_holding_credentials_fail_naming_kind_and_line_never_the_value(moto_reset: str) -> None:
    # given a document writing a password and an access key id into its script, one resolving the password from a
    # SecureString parameter, and a plain one
    leaky = _yaml_document(moto_reset, "configure-reports", LEAKY_DOCUMENT)
    tidy = _yaml_document(moto_reset, "configure-reports-v2", TIDY_DOCUMENT)
    plain = _document(moto_reset, "restart-web")
    # when the secrets check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, SECRETS_CHECK)}
    # then only the leaky document fails, naming each kind and line, and no value is in the outcome
    assert {arn: o.status for arn, o in outcomes.items()} == {leaky: FAIL, tidy: PASS, plain: PASS}
    assert outcomes[leaky].reason == (
        "SSM document configure-reports's content holds credential-looking values: password (line 8), "
        "aws_access_key_id (line 9)"
    )
    assert outcomes[leaky].observed["findings"] == [
        {"kind": "password", "line": 8},
        {"kind": "aws_access_key_id", "line": 9},
    ]
    assert "Tr0ub4dor" not in str(outcomes[leaky].observed) and "AKIA" not in outcomes[leaky].reason
    assert outcomes[tidy].reason == (
        "SSM document configure-reports-v2's content holds nothing that looks like a credential"
    )
    assert outcomes[plain].observed["document_type"] == "Command"


def test_a_document_whose_content_cannot_be_read_is_an_error_for_the_secrets_check_only(moto_reset: str) -> None:
    # given a public document, and a role lacking ssm:GetDocument (SecurityAudit does not grant it)
    arn = _document(moto_reset, "bootstrap", shared_with=["all"])
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "message": "not authorized"}, 400)
    built.session.events.register("before-send.ssm.GetDocument", lambda **_: denied)
    # when SSM is collected and both document checks run
    inv = built.collect({"ssm"})
    # then the secrets check is an error naming the missing action, and the sharing check still judges the document
    outcome = only(run(inv, SECRETS_CHECK))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith("Could not read the content of SSM document bootstrap: GetDocument failed with ")
    assert "ssm:GetDocument, which SecurityAudit does not grant" in outcome.reason
    assert statuses(run(inv, DOCUMENT_CHECK)) == {arn: FAIL}
    # and documents collected before their content was scanned are not judged on it
    for data in inv.data["ssm"]["regions"].values():
        for document in data["documents"]:
            document.pop("content_error")
    assert run(inv, SECRETS_CHECK) == []


# --- glue ----------------------------------------------------------------------------------------------------------


def _catalog(region: str) -> str:
    return f"arn:aws:glue:{region}:{ACCOUNT}:catalog"


def test_catalog_checks_pass_an_encrypted_catalog_and_fail_glues_defaults(moto_reset: str) -> None:
    # given the Data Catalog encrypted with a KMS key, metadata and connection passwords, in one region, and left as
    # Glue creates it in the other
    aws(moto_reset, "glue").put_data_catalog_encryption_settings(
        DataCatalogEncryptionSettings={
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": "alias/catalog"},
            "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": "alias/conn"},
        }
    )
    # when the catalog checks run over both regions
    collected = collect(moto_reset, CATALOG_CHECKS, regions=[REGION, OTHER_REGION])
    outcomes = {cid: {o.region: o for o in run(collected, cid)} for cid in CATALOG_CHECKS}
    # then each region's catalog is judged once: encrypted passes, the default fails
    assert {cid: {r: o.status for r, o in found.items()} for cid, found in outcomes.items()} == {
        cid: {REGION: PASS, OTHER_REGION: FAIL} for cid in CATALOG_CHECKS
    }
    metadata, passwords = outcomes[CATALOG_CHECKS[0]], outcomes[CATALOG_CHECKS[1]]
    assert metadata[REGION].resource_id == _catalog(REGION)
    assert metadata[REGION].reason == (
        f"The Glue Data Catalog in {REGION} encrypts its metadata at rest (SSE-KMS, KMS key alias/catalog)"
    )
    assert metadata[OTHER_REGION].reason == f"The Glue Data Catalog in {OTHER_REGION} has metadata encryption DISABLED"
    assert (
        passwords[REGION].reason
        == f"The Glue Data Catalog in {REGION} encrypts connection passwords (KMS key alias/conn)"
    )
    assert passwords[OTHER_REGION].reason == (
        f"The Glue Data Catalog in {OTHER_REGION} returns connection passwords unencrypted"
    )


def test_each_catalog_setting_is_judged_on_its_own(moto_reset: str) -> None:
    # given a catalog whose metadata is encrypted but whose connection passwords are returned in clear
    aws(moto_reset, "glue").put_data_catalog_encryption_settings(
        DataCatalogEncryptionSettings={
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": "alias/catalog"},
            "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": False},
        }
    )
    # when the catalog checks run
    collected = collect(moto_reset, CATALOG_CHECKS)
    # then the metadata check passes and the password check fails
    assert [by_region(run(collected, cid)) for cid in CATALOG_CHECKS] == [{REGION: PASS}, {REGION: FAIL}]


def _catalog_policy(endpoint: str, region: str, principal: Any, **condition: Any) -> None:
    statement = {"Effect": "Allow", "Principal": principal, "Action": ["glue:GetDatabase", "glue:GetTable"]}
    statement["Resource"] = f"arn:aws:glue:{region}:{ACCOUNT}:*"
    if condition:
        statement["Condition"] = condition
    document = {"Version": "2012-10-17", "Statement": [statement]}
    aws(endpoint, "glue", region).put_resource_policy(PolicyInJson=json.dumps(document))


def test_a_catalog_policy_granting_everyone_fails_and_a_named_or_absent_one_passes(moto_reset: str) -> None:
    # given a catalog granting read to any principal in one region, one granting it only within the organization in
    # a second, and a third region whose catalog has no resource policy
    third = "ap-southeast-2"
    _catalog_policy(moto_reset, REGION, {"AWS": "*"})
    _catalog_policy(moto_reset, OTHER_REGION, "*", StringEquals={"aws:PrincipalOrgID": "o-abc123"})
    # when the policy check runs over the three regions
    regions = (REGION, OTHER_REGION, third)
    outcomes = {o.region: o for o in run(collect(moto_reset, [CATALOG_POLICY_CHECK], regions), CATALOG_POLICY_CHECK)}
    # then the public catalog fails naming what it grants, and the other two pass, each on its catalog's ARN
    assert {region: o.status for region, o in outcomes.items()} == {REGION: FAIL, OTHER_REGION: PASS, third: PASS}
    assert outcomes[REGION].resource_id == f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog"
    assert outcomes[REGION].reason == (f"The Glue Data Catalog in {REGION} lets anyone glue:GetDatabase, glue:GetTable")
    assert outcomes[REGION].observed == {"has_policy": True, "public_actions": ["glue:GetDatabase", "glue:GetTable"]}
    assert outcomes[OTHER_REGION].reason == (
        f"The Glue Data Catalog in {OTHER_REGION} grants access to named or conditioned principals only"
    )
    assert outcomes[third].reason == (
        f"The Glue Data Catalog in {third} has no resource policy: only IAM policies of its own account grant access"
    )


def test_a_catalog_policy_that_cannot_be_read_is_an_error_and_aws_no_policy_answer_passes(moto_reset: str) -> None:
    # given a public catalog policy, and Glue refusing the policy read; then AWS's own answer for a catalog without a
    # policy (EntityNotFoundException), which moto does not give
    _catalog_policy(moto_reset, REGION, "*")
    refused, missing = connector(moto_reset), connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    refused.session.events.register("before-send.glue.GetResourcePolicy", lambda **_: denied)
    none = json_reply({"__type": "EntityNotFoundException", "Message": "Policy not found"}, 400)
    missing.session.events.register("before-send.glue.GetResourcePolicy", lambda **_: none)
    # when Glue is collected each way
    no_read, no_policy = refused.collect({"glue"}), missing.collect({"glue"})
    # then the refused read is an error naming the call, never a pass, and the catalog settings are still judged
    outcome = only(run(no_read, CATALOG_POLICY_CHECK))
    assert outcome.status == ERROR
    assert outcome.reason.startswith(
        f"Could not read the resource policy of the Glue Data Catalog in {REGION}: GetResourcePolicy failed with "
        "AccessDeniedException"
    )
    assert {o.status for cid in CATALOG_CHECKS for o in run(no_read, cid)} == {FAIL}
    # and AWS's "no policy" answer is a catalog without a policy
    assert only(run(no_policy, CATALOG_POLICY_CHECK)).status == PASS
    # and an inventory kept before the policy was read is not judged on it
    for data in no_policy.data["glue"]["regions"].values():
        del data["catalog_arn"], data["catalog_policy"]
    assert run(no_policy, CATALOG_POLICY_CHECK) == []


def test_job_checks_follow_the_jobs_security_configuration(moto_reset: str) -> None:
    # given jobs with a configuration encrypting both with KMS, one encrypting S3 only (SSE-S3), one encrypting
    # nothing, and a job with no security configuration at all
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/etl"
    for name, s3, cloudwatch in (
        ("both", "SSE-KMS", "SSE-KMS"),
        ("s3-only", "SSE-S3", "DISABLED"),
        ("neither", "DISABLED", "DISABLED"),
    ):
        security_configuration(moto_reset, name, REGION, s3=s3, cloudwatch=cloudwatch, key=key)
    jobs = {
        name: glue_job(moto_reset, f"job-{name}", REGION, SecurityConfiguration=name)
        for name in ("both", "s3-only", "neither")
    }
    jobs["none"] = glue_job(moto_reset, "job-none", REGION)
    # when the job checks run on one collection
    collected = collect(moto_reset, JOB_CHECKS)
    outcomes = {cid: {o.resource_id: o for o in run(collected, cid)} for cid in JOB_CHECKS}
    # then S3 encryption passes with either mode and CloudWatch encryption with KMS only
    s3, cloudwatch = outcomes[JOB_CHECKS[0]], outcomes[JOB_CHECKS[1]]
    assert {arn: o.status for arn, o in s3.items()} == {
        jobs["both"]: PASS,
        jobs["s3-only"]: PASS,
        jobs["neither"]: FAIL,
        jobs["none"]: FAIL,
    }
    assert {arn: o.status for arn, o in cloudwatch.items()} == {
        jobs["both"]: PASS,
        jobs["s3-only"]: FAIL,
        jobs["neither"]: FAIL,
        jobs["none"]: FAIL,
    }
    # and the reasons name the job, its configuration and the modes seen
    assert s3[jobs["s3-only"]].reason == (
        "Glue job job-s3-only encrypts what it writes to S3 (SSE-S3, security configuration s3-only)"
    )
    assert s3[jobs["neither"]].reason == (
        "Glue job job-neither has security configuration neither, which leaves S3 encryption disabled"
    )
    assert s3[jobs["none"]].reason == (
        "Glue job job-none has no security configuration, so it does not encrypt what it writes to S3"
    )
    assert cloudwatch[jobs["both"]].reason == (
        "Glue job job-both encrypts its CloudWatch logs with KMS (security configuration both)"
    )
    assert cloudwatch[jobs["s3-only"]].reason == (
        "Glue job job-s3-only has security configuration s3-only, with CloudWatch encryption DISABLED"
    )
    assert cloudwatch[jobs["none"]].observed == {"security_configuration": None, "cloudwatch_encryption_mode": None}


def test_bookmarked_spark_jobs_pass_only_with_cse_kms_bookmark_encryption(moto_reset: str) -> None:
    # given Spark jobs keeping bookmarks: one under a configuration encrypting them with KMS, one under a configuration
    # leaving them plain, one with no configuration; a paused job under KMS; and jobs that keep no bookmarks (the
    # default, explicitly disabled, or a Python shell job, which cannot keep them)
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/etl"
    security_configuration(moto_reset, "kms", REGION, s3="SSE-KMS", cloudwatch="SSE-KMS", key=key, bookmarks="CSE-KMS")
    security_configuration(moto_reset, "plain", REGION, s3="SSE-S3", cloudwatch="DISABLED", key=key)

    def bookmarks(option: str) -> dict[str, Any]:
        return {"DefaultArguments": {"--job-bookmark-option": option}}

    enabled = bookmarks("job-bookmark-enable")
    sealed = glue_job(moto_reset, "sealed", REGION, SecurityConfiguration="kms", **enabled)
    plain = glue_job(moto_reset, "plain", REGION, SecurityConfiguration="plain", **enabled)
    bare = glue_job(moto_reset, "bare", REGION, **enabled)
    paused = glue_job(moto_reset, "paused", REGION, SecurityConfiguration="kms", **bookmarks("job-bookmark-pause"))
    glue_job(moto_reset, "stateless", REGION)
    glue_job(moto_reset, "disabled", REGION, **bookmarks("job-bookmark-disable"))
    aws(moto_reset, "glue").create_job(
        Name="script",
        Role=f"arn:aws:iam::{ACCOUNT}:role/etl",
        Command={"Name": "pythonshell", "ScriptLocation": "s3://etl-scripts/script.py"},
        **enabled,
    )
    # when the bookmark check runs
    outcomes = scan(moto_reset, BOOKMARKS)
    # then only the jobs keeping bookmarks are judged, and only CSE-KMS passes
    assert statuses(outcomes) == {sealed: PASS, paused: PASS, plain: FAIL, bare: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[sealed] == (
        "Glue job sealed (job-bookmark-enable) encrypts its bookmarks with KMS (security configuration kms)"
    )
    assert reasons[plain] == (
        "Glue job plain (job-bookmark-enable) has security configuration plain, with job bookmark encryption DISABLED"
    )
    assert reasons[bare] == (
        "Glue job bare (job-bookmark-enable) has no security configuration, so its bookmarks are not encrypted with KMS"
    )


def test_a_job_naming_a_missing_security_configuration_is_an_error(moto_reset: str) -> None:
    # given a job naming a security configuration that was deleted after it was set, and one keeping bookmarks
    # under the same configuration
    security_configuration(moto_reset, "retired", REGION, s3="SSE-S3", cloudwatch="DISABLED", key="")
    arn = glue_job(moto_reset, "orphan", REGION, SecurityConfiguration="retired")
    bookmarked = glue_job(
        moto_reset,
        "bookmarked",
        REGION,
        SecurityConfiguration="retired",
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"},
    )
    aws(moto_reset, "glue").delete_security_configuration(Name="retired")
    # when the job checks run
    collected = collect(moto_reset, [*JOB_CHECKS, BOOKMARKS])
    # then each reports an error for each job, saying why; the bookmark check only for the job keeping bookmarks
    for cid in JOB_CHECKS:
        assert statuses(run(collected, cid)) == {arn: ERROR, bookmarked: ERROR}
    outcome = only(run(collected, BOOKMARKS))
    assert (outcome.resource_id, outcome.status) == (bookmarked, ERROR)
    assert outcome.reason == (
        "Could not read security configuration retired of Glue job bookmarked: it does not exist in the region"
    )


def test_glue_reads_fail_on_their_own(moto_reset: str) -> None:
    # given a job with a security configuration, and Glue refusing the catalog settings and the configurations
    security_configuration(moto_reset, "encrypted", REGION, s3="SSE-S3", cloudwatch="DISABLED", key="")
    arn = glue_job(moto_reset, "etl", REGION, SecurityConfiguration="encrypted")
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    for operation in ("GetDataCatalogEncryptionSettings", "GetSecurityConfigurations"):
        built.session.events.register(f"before-send.glue.{operation}", lambda **_: denied)
    # when Glue is collected and every Glue check runs
    collected = built.collect({"glue"})
    # then the catalog checks report an error for the region and the job checks one for the job, each naming the call
    assert collected.region_errors == {}
    for cid in CATALOG_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
        assert outcome.reason.startswith(
            f"Could not read the Glue Data Catalog encryption settings in {REGION}: "
            "GetDataCatalogEncryptionSettings failed with AccessDeniedException"
        )
    for cid in JOB_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (arn, ERROR)
        assert "GetSecurityConfigurations failed with AccessDeniedException" in outcome.reason


def test_a_region_whose_jobs_cannot_be_listed_is_an_error_for_the_job_checks(moto_reset: str) -> None:
    # given Glue refusing to list the jobs
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    built.session.events.register("before-send.glue.GetJobs", lambda **_: denied)
    # when Glue is collected
    collected = built.collect({"glue"})
    # then the job checks report an error for the region, and the catalog is still judged
    for cid in JOB_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
        assert outcome.reason.startswith(f"Could not list the Glue jobs in {REGION}: GetJobs failed")
    assert by_region(run(collected, CATALOG_CHECKS[0])) == {REGION: FAIL}


# --- route53 -------------------------------------------------------------------------------------------------------


def _zone(endpoint: str, name: str, **settings: Any) -> str:
    """Create hosted zone ``name`` (create_hosted_zone's own ``settings``); its id."""
    created = aws(endpoint, "route53").create_hosted_zone(Name=name, CallerReference=name, **settings)
    return str(created["HostedZone"]["Id"]).removeprefix("/hostedzone/")


def _log_queries(endpoint: str, zone_id: str, group: str) -> str:
    logs = aws(endpoint, "logs", "us-east-1")
    logs.create_log_group(logGroupName=group)
    arn = next(g["arn"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"])
    aws(endpoint, "route53").create_query_logging_config(HostedZoneId=zone_id, CloudWatchLogsLogGroupArn=arn)
    return str(arn)


def test_public_zones_pass_with_query_logging_and_fail_without(moto_reset: str) -> None:
    # given a public zone logging its queries, one not logging them, and a private zone
    logged, quiet = _zone(moto_reset, "example.com"), _zone(moto_reset, "example.org")
    group = _log_queries(moto_reset, logged, "/aws/route53/example.com")
    vpc = aws(moto_reset, "ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    _zone(
        moto_reset,
        "internal.example",
        VPC={"VPCRegion": REGION, "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True},
    )
    # when the query logging check runs over two regions
    outcomes = {o.resource_id: o for o in scan(moto_reset, ZONE_CHECK, regions=[REGION, OTHER_REGION])}
    # then each public zone is judged once, globally, and the private zone not at all
    logged_arn, quiet_arn = (f"arn:aws:route53:::hostedzone/{z}" for z in (logged, quiet))
    assert {arn: (o.status, o.region) for arn, o in outcomes.items()} == {logged_arn: (PASS, ""), quiet_arn: (FAIL, "")}
    assert outcomes[logged_arn].reason == (
        f"Route 53 public hosted zone example.com. ({logged}) logs its DNS queries to {group}"
    )
    assert outcomes[quiet_arn].reason == (
        f"Route 53 public hosted zone example.org. ({quiet}) has no query logging configuration, so its DNS queries "
        "are not recorded"
    )


def test_zones_whose_query_logging_cannot_be_read_are_errors(moto_reset: str) -> None:
    # given a public zone, and Route 53 refusing to list the query logging configurations
    zone = _zone(moto_reset, "example.com")
    built = connector(moto_reset)
    refusal = (
        '<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type>'
        "<Code>AccessDenied</Code><Message>denied</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
    )
    built.session.events.register(
        "before-send.route53.ListQueryLoggingConfigs", lambda **_: fake_response(403, refusal)
    )
    # when Route 53 is collected and the check runs
    outcome = only(run(built.collect({"route53"}), ZONE_CHECK))
    # then the zone is an error naming the refusal, never a pass or a fail
    assert (outcome.resource_id, outcome.status) == (f"arn:aws:route53:::hostedzone/{zone}", ERROR)
    assert outcome.reason.startswith(
        f"Could not read the query logging of Route 53 public hosted zone example.com. ({zone}): "
        "ListQueryLoggingConfigs failed with AccessDenied"
    )


def test_a_region_where_glue_answers_nothing_fails_as_a_whole(moto_reset: str) -> None:
    # given Glue refusing both the catalog settings and the job listing
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    for operation in ("GetDataCatalogEncryptionSettings", "GetJobs"):
        built.session.events.register(f"before-send.glue.{operation}", lambda **_: denied)
    # when Glue is collected
    collected = built.collect({"glue"})
    # then Glue's collection failed (in its only region, so as a whole), naming the first refusal, rather than
    # passing for one collected; each Glue check then reports an error, never a pass or a fail
    assert "GetDataCatalogEncryptionSettings failed with AccessDeniedException" in collected.errors["glue"]
    assert "glue" not in collected.data
    for cid in CATALOG_CHECKS + JOB_CHECKS:
        assert {o.status for o in run(collected, cid)} == {ERROR}


ARGUMENT_SECRETS = "aws.glue.job_no_secrets_in_arguments"


def test_glue_jobs_passing_credentials_as_arguments_fail_by_name_without_the_value(moto_reset: str) -> None:
    # given a job passing a database password and a Slack token (under a harmless name) as default arguments, one
    # passing only the secret's name and ARN, and one without arguments
    slack = "xoxb-" + "1234567890-abcdefghij"
    leaky = glue_job(
        moto_reset,
        "leaky",
        REGION,
        DefaultArguments={"--db_password": "Sup3r-s3cret", "--notify": slack, "--job-language": "python"},
    )
    named = glue_job(
        moto_reset,
        "named",
        REGION,
        DefaultArguments={
            "--db_secret_name": "prod/orders/db",
            "--db_secret_arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/orders/db",
        },
    )
    bare = glue_job(moto_reset, "bare", REGION)
    # when the argument check runs
    collected = collect(moto_reset, [ARGUMENT_SECRETS])
    outcomes = {o.resource_id: o for o in run(collected, ARGUMENT_SECRETS)}
    # then only the leaky job fails, naming the arguments and the kinds; the values are kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, named: PASS, bare: PASS}
    assert outcomes[leaky].reason == (
        "Glue job leaky's default arguments hold credential-looking values: --db_password (password), "
        "--notify (service_token)"
    )
    assert outcomes[leaky].observed == {
        "findings": [
            {"name": "--db_password", "kinds": ["password"]},
            {"name": "--notify", "kinds": ["service_token"]},
        ],
        "finding_count": 2,
    }
    assert outcomes[bare].reason == "Glue job bare's default arguments hold nothing that looks like a credential"
    assert "Sup3r-s3cret" not in str(collected.data) and slack not in str(collected.data)
