from django.core.management.base import BaseCommand

from frameworks.catalog.mapping_docs import DOC_PATH, mapping_docs_markdown


class Command(BaseCommand):
    help = "Print docs/mappings.md from the mapping files (every check, its controls and why); --write saves it."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Write {DOC_PATH.name} instead of printing it.")

    def handle(self, *args, **opts):
        text = mapping_docs_markdown()
        if opts["write"]:
            DOC_PATH.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {DOC_PATH}.")
        else:
            self.stdout.write(text, ending="")
