"""Open the database named by ``--db`` or ``DATABASE_URL`` and bring its schema up to date."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_DATABASE = "bureaux.db"


def database_url(db: str | None = None) -> str:
    """Return the SQLAlchemy URL for ``db`` (a path or a URL), ``DATABASE_URL``, or ``./bureaux.db``."""
    value = db or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    if "://" in value:
        # Heroku-style URLs name the driver `postgres`; SQLAlchemy wants psycopg 3.
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value[len("postgres://"):]
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def parameter_marker(dialect) -> str:
    """Return the positional parameter marker of the dialect's driver: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def driver_rows(frame) -> list[tuple]:
    """Return the rows of a DataFrame as tuples of Python values, missing values as None, for executemany."""
    values = frame.astype(object).where(frame.notna(), None)
    return list(values.itertuples(index=False, name=None))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class DatabaseNotFoundError(Exception):
    """The SQLite file that a reading command names does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def open_database(db: str | None = None, *, migrate: bool = True, must_exist: bool = False) -> Engine:
    """Create the engine for ``db`` and apply pending migrations.

    SQLite files are created on first use, with foreign keys on and WAL
    journaling so that readers keep serving while a rebuild writes. With
    ``must_exist``, a missing SQLite file raises :class:`DatabaseNotFoundError`
    instead: commands that only read should not create an empty database.
    """
    url = database_url(db)
    if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise DatabaseNotFoundError(url[len("sqlite:///"):])
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    logger.debug("database ready: %s", engine.url.render_as_string(hide_password=True))
    return engine
