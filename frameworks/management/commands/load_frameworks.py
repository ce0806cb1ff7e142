from django.core.management.base import BaseCommand, CommandError

from frameworks.catalog import CatalogError, catalog_load_all


class Command(BaseCommand):
    help = "Load (or refresh) the shipped framework catalogs and their check mappings. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="Catalog directory (default: frameworks/catalogs).")

    def handle(self, *args, **opts):
        try:
            report = catalog_load_all(directory=opts["directory"])
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        for result in report.frameworks:
            verb = "created" if result.created else "updated" if result.changed else "unchanged"
            note = " (official text imported: kept)" if result.kept_imported_text else ""
            self.stdout.write(
                f"{result.key} {result.version}: {verb}{note}; {result.controls_total} controls "
                f"({result.controls_created} created, {result.controls_updated} updated, "
                f"{len(result.controls_removed)} removed); "
                f"mappings {result.mappings_added} added, {result.mappings_removed} removed"
            )
            if result.controls_removed:
                self.stdout.write(f"  removed controls: {', '.join(result.controls_removed)}")
        if report.equivalents_added or report.equivalents_removed:
            self.stdout.write(
                f"crosswalks: {report.equivalents_added} equivalences added, {report.equivalents_removed} removed "
                "(each pair counts once per direction)"
            )
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
