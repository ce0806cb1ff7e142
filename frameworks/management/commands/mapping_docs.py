from django.core.management.base import BaseCommand

from frameworks.catalog.mapping_docs import DOC_PATH, mapping_docs_markdown
from integrations.equivalents import crosswalk_documents


class Command(BaseCommand):
    help = (
        "Print docs/mappings.md from the mapping files (every check, its controls and why); --write saves it, "
        "and the crosswalks to other scanners' checks (docs/*-crosswalk.md) beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Write {DOC_PATH.name} and the crosswalks.")

    def handle(self, *args, **opts):
        text = mapping_docs_markdown()
        if not opts["write"]:
            self.stdout.write(text, ending="")
            return
        DOC_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {DOC_PATH}.")
        for path, document in crosswalk_documents().items():
            path.write_text(document, encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
