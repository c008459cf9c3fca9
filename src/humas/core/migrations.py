"""Run Alembic programmatically (humas init / migrate, tests, drift check)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

SCRIPT_LOCATION = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(engine: Engine | None = None, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), "head")


def check(engine: Engine) -> None:
    """Raise when the models and the migrations disagree (alembic check)."""
    with engine.begin() as connection:
        command.check(alembic_config(connection=connection))
