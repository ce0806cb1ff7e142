"""Read-only AWS connector built on boto3.

The connector (with the ``collectors`` it runs) is the only part of the AWS provider that
talks to AWS.  It collects one inventory per scan (every service once; regional services
once per configured region) and hands it to the pure check functions in ``checks``.
Everything it asks for is covered by the AWS managed policy ``SecurityAudit``, except the actions in
``permissions.BEYOND_SECURITY_AUDIT`` (without them only the checks reading them report an error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from complywise import egress
from integrations.redaction import redact
from integrations.registry import CollectionUnit, Inventory

from .availability import offered
from .client_needs import CLIENT_NEEDS
from .collectors import COLLECTORS
from .collectors._common import AwsConnectorError, Scope, describe_error
from .collectors.iam import CREDENTIAL_REPORT_ATTEMPTS, CREDENTIAL_REPORT_FIRST_PAUSE
from .loader import SHARED_LOADER
from .transport import guard_client

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "aws"
DEFAULT_REGION = "us-east-1"
MAX_WORKERS = 8
# botocore counts max_attempts as retries after the first try: 1 + 5 calls at most.
# Adaptive: standard retries plus a client-side rate limiter that slows every call of the client down while AWS
# throttles, instead of each thread retrying at full speed (per-resource reads run concurrently).
RETRIES: dict[str, Any] = {"mode": "adaptive", "max_attempts": 5}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
ROLE_SESSION_NAME = "complywise-scan"
ROLE_SESSION_SECONDS = 3600

# Global services are collected once, in the first configured region; every other collector runs per region.
GLOBAL_SERVICES: frozenset[str] = frozenset(
    {
        "iam",
        "s3",
        "account",
        "cloudfront",
        "organizations",
        "route53",
        "route53domains",
        "shield",
        "s3_multi_region_access_points",
    }
)
SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)
REGIONAL_SERVICES: frozenset[str] = SUPPORTED_SERVICES - GLOBAL_SERVICES
# How the global services are split into collection units: the two that grow with the account
# (users, buckets) on their own, so they can run on different workers; the small ones together.
# S3 is read bucket by bucket: its unit is split in this many shards, by bucket name, so a large account's
# buckets spread over several workers too (each shard lists the buckets and keeps its own).
S3_SHARDS = 4
GLOBAL_UNITS: tuple[tuple[str, frozenset[str]], ...] = (
    ("iam", frozenset({"iam"})),
    ("s3", frozenset({"s3"})),
    ("other", GLOBAL_SERVICES - {"iam", "s3"}),
)


def _new_session(access_key_id: str, secret_access_key: str, session_token: str | None, region: str) -> boto3.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", SHARED_LOADER)
    session = boto3.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=region,
        botocore_session=core,
    )
    # boto3 adds its data folder to the session's loader each time: on the shared loader that list would grow
    # by one entry per session, for the life of the worker. Keep each folder once.
    paths = SHARED_LOADER.search_paths
    if len(paths) != len(set(paths)):
        paths[:] = list(dict.fromkeys(paths))
    return session


# What a call to AWS may fail with; ResponseParserError is botocore's answer to a body that is
# not AWS's (and is not a BotoCoreError).
_FAILURES = (ClientError, BotoCoreError, ResponseParserError, AwsConnectorError)


def strip_account_host_prefix(params: dict[str, Any], **_: Any) -> None:
    """botocore ``before-call.s3-control`` hook for custom (local) endpoints only."""
    # S3 Control addresses "<account-id>.<endpoint host>".  A local endpoint such as
    # 127.0.0.1 has no such DNS names but serves the same paths, so send it there.
    parts = urlsplit(params["url"])
    head, _, rest = parts.netloc.partition(".")
    if len(head) == 12 and head.isdigit() and rest:
        params["url"] = urlunsplit(parts._replace(netloc=rest))


# ---------------------------------------------------------------------------
# the connector


class AwsConnector:
    """Collects a read-only inventory of one AWS account."""

    def __init__(
        self,
        *,
        regions: Iterable[str],
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        endpoint_url: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        unique = list(dict.fromkeys(r.strip() for r in regions if r and r.strip()))
        self.regions: list[str] = unique or [DEFAULT_REGION]
        self.endpoint_url = endpoint_url or None
        self.role_arn = role_arn or None
        self.external_id = external_id or None
        self.max_workers = max(1, max_workers)
        self.report_attempts = CREDENTIAL_REPORT_ATTEMPTS
        self.report_first_pause = CREDENTIAL_REPORT_FIRST_PAUSE
        self._access_key_id = access_key_id or ""
        self._secret_access_key = secret_access_key or ""
        self._session_token = session_token or None
        self._session: boto3.Session | None = None
        self._assumed_secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"AwsConnector(regions={self.regions!r}, role_arn={self.role_arn!r}, endpoint_url={self.endpoint_url!r})"

    @property
    def global_region(self) -> str:
        return self.regions[0]

    @property
    def session(self) -> boto3.Session:
        """The boto3 session scans run with (after assuming the role, if configured)."""
        if self._session is None:
            self._session = self._open_session()
        return self._session

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        try:
            identity = self._identity(self._config(quick=True))
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS connection test failed: %s", detail)
            return False, detail
        return True, f"Connected to AWS account {identity['Account']} as {identity['Arn']}"

    def collect(self, services: set[str]) -> Inventory:
        """Every unit of :meth:`plan` at once, in this process (one pool over all services and regions)."""
        inventory = self._collect(services, self.regions)
        inventory.settle()
        return inventory

    def plan(self, services: set[str]) -> list[CollectionUnit]:
        """One unit per region for the regional services, and the global services in GLOBAL_UNITS groups.

        Services this connector does not know ride along in the first unit, which reports them as errors.
        """
        wanted = {s for s in services if s in SUPPORTED_SERVICES}
        unknown = tuple(sorted(set(services) - SUPPORTED_SERVICES))
        units: list[CollectionUnit] = []
        for name, group in GLOBAL_UNITS:
            chosen = tuple(sorted(wanted & group))
            if chosen == ("s3",) and S3_SHARDS > 1:
                units.extend(
                    CollectionUnit(key=f"global:s3:{i + 1}-of-{S3_SHARDS}", services=chosen, shard=i, shards=S3_SHARDS)
                    for i in range(S3_SHARDS)
                )
            elif chosen:
                units.append(CollectionUnit(key=f"global:{name}", services=chosen))
        regional = tuple(sorted(wanted & REGIONAL_SERVICES))
        if regional:
            units.extend(CollectionUnit(key=f"region:{r}", services=regional, region=r) for r in self.regions)
        if unknown:
            first = units[0] if units else CollectionUnit(key="global:other", services=())
            units[:1] = [CollectionUnit(key=first.key, services=first.services + unknown, region=first.region)]
        return units

    def collect_unit(self, unit: CollectionUnit) -> Inventory:
        """One unit of :meth:`plan`; a regional unit's failures are that region's only (``region_errors``)."""
        return self._collect(
            set(unit.services), [unit.region] if unit.region else [], shard=unit.shard, shards=unit.shards
        )

    def _collect(self, services: set[str], regions: list[str], *, shard: int = 0, shards: int = 1) -> Inventory:
        inventory = Inventory(integration_type=INTEGRATION_TYPE)
        wanted = sorted(s for s in services if s in SUPPORTED_SERVICES)
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the AWS connector does not collect this service"
        if not wanted:
            return inventory
        tasks: list[tuple[str, str]] = []
        not_offered: dict[str, list[str]] = {}
        for service in wanted:
            for region in [self.global_region] if service in GLOBAL_SERVICES else regions:
                if service in GLOBAL_SERVICES or offered(service, region):
                    tasks.append((service, region))
                else:
                    not_offered.setdefault(service, []).append(region)
        for service, skipped in not_offered.items():
            # Kept on the service's data (its checks judge the regions collected, and give nothing for these).
            inventory.data[service] = {"regions": {}, "not_offered": skipped}
            logger.info("AWS does not offer %s in %s: not collected there", service, ", ".join(skipped))
        if not tasks:
            return inventory
        try:
            identity = self._identity(self._config())
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS collection could not start: %s", detail)
            for service, region in tasks:
                _record_failure(inventory, service, region, detail)
            return inventory
        inventory.account_id = identity["Account"]
        partition = identity["Arn"].split(":")[1] if identity["Arn"].count(":") >= 2 else "aws"

        clients, client_errors = self._build_clients(wanted, regions)
        results: dict[tuple[str, str], tuple[Mapping[str, Any] | None, str | None]] = {}
        with ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(tasks)), thread_name_prefix="aws-collect"
        ) as pool:
            futures = {}
            for service, region in tasks:
                scope = Scope(
                    account_id=inventory.account_id,
                    partition=partition,
                    region=region,
                    global_region=self.global_region,
                    clients=clients,
                    report_attempts=self.report_attempts,
                    report_first_pause=self.report_first_pause,
                    shard=shard,
                    shards=shards,
                )
                missing = [e for (name, r), e in client_errors.items() if (name, r) in _needed(service, region, self)]
                if missing:
                    results[(service, region)] = (None, missing[0])
                    continue
                futures[(service, region)] = pool.submit(self._run, service, scope)
            for key, future in futures.items():
                results[key] = future.result()

        for (service, region), (data, error) in sorted(results.items()):
            if error is not None:
                _record_failure(inventory, service, region, error)
            elif service in GLOBAL_SERVICES:
                inventory.data[service] = data
            else:
                inventory.data.setdefault(service, {"regions": {}})["regions"][region] = data
        return inventory

    # -- internals -----------------------------------------------------------

    def _run(self, service: str, scope: Scope) -> tuple[Mapping[str, Any] | None, str | None]:
        started = time.monotonic()
        try:
            data = COLLECTORS[service](scope)
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS collection of %s in %s failed: %s", service, scope.region, detail)
            return None, detail
        except (KeyError, TypeError) as exc:
            # A response without a field AWS documents as always present: report the
            # service as failed rather than abandon the other services of the scan.
            logger.exception("AWS collection of %s in %s got an unexpected response", service, scope.region)
            return None, f"unexpected response from AWS ({type(exc).__name__}: {exc})"
        logger.debug("collected %s in %s in %.2fs", service, scope.region, time.monotonic() - started)
        return data, None

    def _config(self, *, quick: bool = False) -> Config:
        # A connection test should answer quickly; a scan should ride out throttling.
        retries = {"mode": "standard", "max_attempts": 1} if quick else dict(RETRIES)
        return Config(
            retries=retries,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=10 if quick else READ_TIMEOUT,
            max_pool_connections=max(10, self.max_workers * 2),
            user_agent_appid="complywise",
        )

    def _open_session(self) -> boto3.Session:
        if not self._access_key_id or not self._secret_access_key:
            # Never fall back to the ambient credential chain: that would scan the
            # platform's own account instead of the customer's.
            raise AwsConnectorError("the integration has no access key id or secret access key")
        base = _new_session(self._access_key_id, self._secret_access_key, self._session_token, self.global_region)
        if not self.role_arn:
            return base
        sts = guard_client(base.client("sts", endpoint_url=self.endpoint_url, config=self._config(quick=True)))
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": ROLE_SESSION_NAME,
            "DurationSeconds": ROLE_SESSION_SECONDS,
        }
        if self.external_id:
            params["ExternalId"] = self.external_id
        try:
            credentials = sts.assume_role(**params)["Credentials"]
        except ClientError as exc:
            raise AwsConnectorError(f"could not assume role {self.role_arn}: {describe_error(exc)}") from exc
        self._assumed_secrets = (credentials["SecretAccessKey"], credentials["SessionToken"])
        return _new_session(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"], self.global_region
        )

    def _refuse_disallowed_endpoint(self) -> None:
        """Fail at once, without botocore's retries, when the endpoint's address is refused.

        Every connection is vetted again when it is opened (the resolved address may differ
        by then); this only spares a scan retrying what the policy will never allow.
        """
        if not self.endpoint_url:
            return
        parts = urlsplit(self.endpoint_url)
        try:
            egress.vetted_addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        except egress.EgressDeniedError as exc:
            raise AwsConnectorError(f"could not reach the AWS endpoint: {exc}") from None
        except (OSError, ValueError):
            # Unresolvable here, or a malformed port: botocore reports it in its own words.
            return

    def _identity(self, config: Config) -> dict[str, str]:
        self._refuse_disallowed_endpoint()
        sts = guard_client(
            self.session.client("sts", region_name=self.global_region, endpoint_url=self.endpoint_url, config=config)
        )
        try:
            identity = sts.get_caller_identity()
            return {"Account": str(identity["Account"]), "Arn": str(identity["Arn"])}
        except (KeyError, TypeError):
            # A 200 answer that is XML but not AWS's: botocore's parser, or our lookup, misses the expected element.
            raise AwsConnectorError(
                "the endpoint did not answer like AWS (its response to GetCallerIdentity could not be read)"
            ) from None

    def _build_clients(
        self, services: Iterable[str], regions: Iterable[str]
    ) -> tuple[dict[tuple[str, str], BaseClient], dict[tuple[str, str], str]]:
        # boto3 sessions are not thread-safe but clients are: build them all here,
        # before any worker thread starts.
        session = self.session
        config = self._config()
        wanted: set[tuple[str, str]] = set()
        for service in services:
            for region in [*regions, self.global_region]:
                wanted |= _needed(service, region, self)
        clients: dict[tuple[str, str], BaseClient] = {}
        errors: dict[tuple[str, str], str] = {}
        for name, region in sorted(wanted):
            try:
                client = guard_client(
                    session.client(name, region_name=region, endpoint_url=self.endpoint_url, config=config)
                )
            except BotoCoreError as exc:
                errors[(name, region)] = self._explain(exc)
                continue
            if name == "s3control" and self.endpoint_url:
                client.meta.events.register("before-call.s3-control", strip_account_host_prefix)
            clients[(name, region)] = client
        return clients, errors

    def _explain(self, exc: BaseException) -> str:
        text = str(exc) if isinstance(exc, AwsConnectorError) else describe_error(exc)
        return redact(text, (self._secret_access_key, self._session_token, self._access_key_id, *self._assumed_secrets))


def _record_failure(inventory: Inventory, service: str, region: str, message: str) -> None:
    """A global service fails as a whole; a regional one fails in its region only (settled later)."""
    if service in GLOBAL_SERVICES:
        previous = inventory.errors.get(service)
        inventory.errors[service] = f"{previous}; {message}" if previous else message
    else:
        inventory.region_errors.setdefault(service, {})[region] = message


def _needed(service: str, region: str, connector: AwsConnector) -> set[tuple[str, str]]:
    needs: set[tuple[str, str]] = set()
    for spec in CLIENT_NEEDS.get(service, ()):
        name, _, scope = spec.partition("@")
        needs.add((name, connector.global_region if scope == "global" else scope or region))
    return needs


def build_connector(*, config: dict, credentials: dict) -> AwsConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    regions = config.get("regions") or [DEFAULT_REGION]
    if isinstance(regions, str):
        regions = [r for r in regions.split(",")]
    return AwsConnector(
        regions=regions,
        access_key_id=credentials.get("access_key_id") or "",
        secret_access_key=credentials.get("secret_access_key") or "",
        session_token=credentials.get("session_token"),
        endpoint_url=config.get("endpoint_url"),
        role_arn=config.get("role_arn"),
        external_id=config.get("external_id"),
    )
