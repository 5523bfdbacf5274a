"""Engine and session setup, and schema migrations (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from policywatch.errors import DatabaseError, mask_secrets

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return mask_secrets(url)


def _normalise_url(url: str) -> str:
    # "postgresql://" means psycopg2 to SQLAlchemy; we ship psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = _normalise_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseError(
            f"Database URL {mask_secrets(url)!r} is not a valid SQLAlchemy URL: use e.g. "
            "sqlite:////path/to/policywatch.db or postgresql://user@host:5432/dbname."
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"policywatch stores its data in SQLite or PostgreSQL, not {backend} "
            f"({safe_url(url)}): use sqlite:////path/to/policywatch.db or "
            "postgresql://user@host:5432/dbname."
        )
    kwargs: dict[str, object] = {}
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"Cannot create the database folder {folder} ({exc.strerror}): "
                    "choose another location with POLICYWATCH_DATABASE_URL or POLICYWATCH_HOME."
                ) from None
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        # `process` holds one connection per batch in flight (workers + 1) besides its own
        kwargs["pool_size"], kwargs["max_overflow"] = 10, 40
        if parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise DatabaseError(
            f"No database driver for {safe_url(url)}: use a sqlite:// or postgresql:// URL."
        ) from None
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """(current revision or None, head revision)."""
    script = ScriptDirectory.from_config(_alembic_config(engine))
    head = script.get_current_head()
    assert head is not None
    where = safe_url(str(engine.url))
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(
            f"Cannot connect to the database {where} "
            f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc}): start the server or "
            "fix POLICYWATCH_DATABASE_URL / [database] url in the config file."
        ) from None
    except SQLAlchemyDatabaseError as exc:  # e.g. SQLite: "file is not a database"
        raise DatabaseError(
            f"{where} is not a usable database "
            f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc}): point "
            "POLICYWATCH_DATABASE_URL / [database] url at a policywatch database or a new file."
        ) from None
    if current is not None:
        try:
            known = script.get_revision(current) is not None
        except Exception:  # alembic raises for ids it has never seen
            known = False
        if not known:
            raise DatabaseError(
                f"The database {where} is at schema {current}, newer than this policywatch "
                f"(which knows up to {head}): upgrade policywatch, or use another database; "
                "nothing was changed."
            )
    return current, head


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision. Returns (before, after).

    On PostgreSQL, commands started at once on several machines migrate one after the other
    (an advisory lock), so a first start never collides on the schema."""
    current, head = schema_state(engine)  # also: a clear message when unreachable
    if current == head:
        return current, head
    if engine.dialect.name == "postgresql":
        from storage.coordination import advisory_lock

        with advisory_lock(engine, "migrate", wait=True):
            return _migrate(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        # commands started at once on a new file: one migrates, the others wait for it
        with open(f"{database}.migrate-lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            return _migrate(engine)
    return _migrate(engine)


def _migrate(engine: Engine) -> tuple[str | None, str]:
    current, head = schema_state(engine)
    if current == head:
        return current, head
    if current is None:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables & {"documents", "fetched_pages", "mentions"}:
            raise DatabaseError(
                f"The database {safe_url(str(engine.url))} has policywatch-like tables but no "
                "migration record: point POLICYWATCH_DATABASE_URL at an empty database "
                "or at one created by `policywatch init`."
            )
    command.upgrade(_alembic_config(engine), "head")
    log.info("database %s migrated from %s to %s", safe_url(str(engine.url)), current, head)
    return current, head


class Database:
    """The engine plus a session factory; opened once per command."""

    def __init__(self, url: str, *, auto_migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if auto_migrate:
            migrate(self.engine)
        else:
            current, head = schema_state(self.engine)
            if current != head:
                raise DatabaseError(
                    f"The database {safe_url(url)} is at schema {current or 'none'}, "
                    f"not {head}: run `policywatch init` to create or migrate it."
                )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()
