"""Loading the global framework catalog: the shipped YAML files and OSCAL catalog/profile imports.

Both upsert a global framework on (key, version) and its controls on (framework, ref) with bulk
queries, so loading every shipped catalog takes a few dozen queries whatever their size.
"""

from .common import CatalogError, ControlSpec
from .oscal_import import OscalImportReport, framework_import_oscal
from .shipped import (
    CATALOG_DIR,
    MAPPINGS_SUBDIR,
    CatalogLoadReport,
    CatalogSpec,
    FrameworkLoadResult,
    catalog_file_read,
    catalog_load_all,
    mapping_files_read,
)

__all__ = [
    "CATALOG_DIR",
    "MAPPINGS_SUBDIR",
    "CatalogError",
    "CatalogLoadReport",
    "CatalogSpec",
    "ControlSpec",
    "FrameworkLoadResult",
    "OscalImportReport",
    "catalog_file_read",
    "catalog_load_all",
    "framework_import_oscal",
    "mapping_files_read",
]
