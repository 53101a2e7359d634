"""Importers of the registers governments publish, one module per source.

Each source turns its file into records of the exchange format
(``docs/data-format.md``) and hands them to ``orgs.exchange.registry_import``
(``base.records_import``), so every register is checked, written in one transaction
and matched idempotently by the same code as ``import_registry``.
"""

from .base import SourceFileError, records_import

__all__ = ["SourceFileError", "records_import"]
