"""The registry import (``shouwang import registry``): delivered households / persons / incomes files into
the registry, all-or-nothing, audited. Modules in the order a file goes through them:

* ``read``      which kind each file is, its checksum and typed table;
* ``validate``  every cell, and each file against the database and the other files;
* ``project``   the derived household figures, before anything is written;
* ``write``     bulk upserts of the new and changed rows, with ``diff`` (the audited diff), ``seal``
  (sealing and masking personal identifiers) and ``findings`` (data-quality warnings per batch);
* ``service``   ``registry_import``, the entry point: one transaction, one batch per file
  (``exchange.batches``); ``plan`` holds what they pass along.
"""

from shouwang.exchange.registry_import.plan import KIND_LABELS, FileResult, RegistryImportResult
from shouwang.exchange.registry_import.service import registry_import

__all__ = ["KIND_LABELS", "FileResult", "RegistryImportResult", "registry_import"]
