"""Network filtering checks: AWS Network Firewall firewalls record the traffic they pass, drop and alert on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import FirewallLogDestination, NetworkFirewall
from ._common import aws_check, error, items, result

FIREWALL = "AWS::NetworkFirewall::Firewall"
# The log types that record traffic: FLOW (every flow the stateful engine sees) and ALERT (flows a rule matched with
# an alert or drop action). TLS logs record TLS inspection failures only, not the traffic decisions.
TRAFFIC_LOGS = frozenset({"FLOW", "ALERT"})


def firewalls(inventory: Inventory) -> Iterator[NetworkFirewall]:
    return items(inventory, "networkfirewall", "firewalls")


def _said(destination: FirewallLogDestination) -> str:
    target = destination.get("target")
    where = f"{destination.get('destination_type')} {target}" if target else str(destination.get("destination_type"))
    return f"{destination.get('log_type')} logs to {where}"


@aws_check(
    id="aws.networkfirewall.logging_enabled",
    title="Network Firewall firewalls log the traffic they inspect",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    resource_type=FIREWALL,
    rationale="A firewall keeps no record of what it passed, dropped or alerted on unless its logging configuration "
    "sends flow or alert logs somewhere: without them a blocked attack, or one let through, leaves no trace to "
    "investigate, and rules cannot be tuned against the traffic they met.",
    remediation="In the firewall's logging configuration send alert logs (and flow logs where the volume is "
    "affordable) to a CloudWatch Logs log group, an S3 bucket or a Firehose delivery stream.",
)
def networkfirewall_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for firewall in firewalls(inventory):
        name, arn, region = firewall.get("name"), str(firewall.get("arn")), str(firewall.get("region", ""))
        if firewall.get("logging_error"):
            reason = f"Could not read the logging configuration of Network Firewall {name}: {firewall['logging_error']}"
            yield error(arn, FIREWALL, reason, region=region)
            continue
        destinations = list(firewall.get("log_destinations") or [])
        traffic = sorted(_said(d) for d in destinations if d.get("log_type") in TRAFFIC_LOGS)
        others = sorted({str(d.get("log_type")) for d in destinations} - TRAFFIC_LOGS)
        if traffic:
            reason = f"Network Firewall {name} sends {'; '.join(traffic)}"
        elif others:
            reason = f"Network Firewall {name} sends no flow or alert logs (only {', '.join(others)} logs)"
        else:
            reason = f"Network Firewall {name} sends no logs anywhere"
        yield result(
            bool(traffic),
            arn,
            FIREWALL,
            reason,
            region=region,
            log_types=sorted({str(d.get("log_type")) for d in destinations}),
            destinations=[_said(d) for d in destinations],
        )
