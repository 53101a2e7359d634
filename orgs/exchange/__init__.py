"""The registry exchange format (JSON Lines): validation, import and export.

``docs/data-format.md`` describes the format; ``schema`` holds it as data and pure
functions, ``importer`` and ``exporter`` are the services the commands call.
"""

from .exporter import ExportReport, registry_export, registry_line_chunks
from .importer import (
    ImportReport,
    RegistryFileError,
    RegistryWriteError,
    Tally,
    registry_import,
)
from .schema import Problem

__all__ = [
    "ExportReport",
    "ImportReport",
    "Problem",
    "RegistryFileError",
    "RegistryWriteError",
    "Tally",
    "registry_export",
    "registry_import",
    "registry_line_chunks",
]
