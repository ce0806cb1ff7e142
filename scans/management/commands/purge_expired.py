from django.core.management.base import BaseCommand

from scans.retention import scans_purge_expired


class Command(BaseCommand):
    help = (
        "Delete scan jobs older than each tenant's retention, with outcomes, results and auto evidence, "
        "and audit events older than it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, **opts):
        report = scans_purge_expired(dry_run=opts["dry_run"])
        verb = "Would delete" if report.dry_run else "Deleted"
        if not report.tenants:
            self.stdout.write("Nothing is past its retention period.")
        for slug, counts in report.tenants.items():
            cutoff = report.cutoffs[slug]
            self.stdout.write(
                f"{slug} (everything created before {cutoff:%Y-%m-%d %H:%M} UTC): {verb} {counts['scan_jobs']} scan "
                f"jobs, {counts['results']} results, {counts['outcomes']} outcomes, "
                f"{counts['evidence']} auto evidence files, {counts.get('audit_events', 0)} audit events"
            )
        self.stdout.write(f"Total: {verb.lower()} {report.scan_jobs} scan jobs.")
