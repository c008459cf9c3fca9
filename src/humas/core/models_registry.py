"""Import every domain's models so Base.metadata knows all tables (Alembic, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "humas.org.models",
    "humas.ingest.models",
    "humas.listening.models",
    "humas.channels.models",
    "humas.outbox.models",
    "humas.inbox.models",
    "humas.publishing.models",
    "humas.publishing.kits",
    "humas.reports.models",
    "humas.compliance.models",
)


def import_all() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):
                raise
