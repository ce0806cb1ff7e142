import time

from django.core.management.base import BaseCommand, CommandError

from frameworks.catalog import CatalogError, framework_import_oscal
from frameworks.oscal import OscalError, load_json


class Command(BaseCommand):
    help = (
        "Import an OSCAL JSON catalog (optionally narrowed by a profile) as a global framework. "
        "An existing global framework with the same key and version takes the official text."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version` names the framework version here, replacing Django's "show the Django version" flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--catalog", required=True, help="OSCAL catalog JSON file.")
        parser.add_argument("--profile", help="OSCAL profile JSON file selecting the controls (a baseline).")
        parser.add_argument("--key", help="Framework key (default: slug of the catalog or profile title).")
        parser.add_argument("--name", help="Framework name (default: the title; an existing name is kept).")
        parser.add_argument("--version", dest="framework_version", help="Framework version (default: the metadata's).")

    def handle(self, *args, **opts):
        started = time.monotonic()
        try:
            catalog = load_json(opts["catalog"])
            profile = load_json(opts["profile"]) if opts["profile"] else None
            report = framework_import_oscal(
                catalog=catalog,
                profile=profile,
                key=opts["key"],
                name=opts["name"],
                version=opts["framework_version"],
            )
        except (OscalError, CatalogError) as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if report.created else "Updated"
        self.stdout.write(
            f"{verb} {report.key} {report.version} ({report.name}): {report.controls_total} controls "
            f"({report.controls_created} created, {report.controls_updated} updated, "
            f"{len(report.controls_kept)} existing kept) in {time.monotonic() - started:.2f}s"
        )
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
