"""Database plumbing: metadata conventions, column types, engines and sessions."""

import inspect
import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    any_,
    bindparam,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, create_engine

from app.core.changes import PassedChecks, change_signal
from app.core.errors import NotFound
from app.core.time import as_utc, utc_now

# Set before any model is imported so every constraint gets a stable, predictable name
# (Alembic needs names to alter or drop constraints, and SQLite has none by default).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

# Where a read session carries the read cache (see `Database`), and the registry's
# generation once it has asked for it (app.audit.read_cache).
READ_CACHE = "read_cache"
GENERATION = "registry_generation"

# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def no_items() -> list[Any]:
    """A new empty list: the default of the JSON list columns."""
    return []


# pydantic inspects a default factory's signature every time it makes a default (to see whether
# it takes the validated data); for `list` that means parsing a text signature, about 0.2 ms
# per field of every row made (a new assessment has four). Given once, it is read.
no_items.__signature__ = inspect.signature(no_items)  # type: ignore[attr-defined]


def json_list(*, in_bulk: bool = False) -> Any:
    """A JSON list column, never null, empty unless given; a fresh column at each call.

    `in_bulk`: a row inserted with Core without it (benchmarks, imports in SQL) gets an
    empty list too, rather than NULL."""
    return Field(
        default_factory=no_items,
        sa_column=Column(JSONDocument, nullable=False, default=no_items if in_bulk else None),
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones, so values come back naive; this type stores UTC and always
    returns aware UTC datetimes, so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class CreatedAt(SQLModel):
    """When a row was recorded (UTC)."""

    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class Timestamps(CreatedAt):
    """When a row was recorded and last changed (UTC); services set `updated_at`."""

    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


RowT = TypeVar("RowT", bound=SQLModel)


def columns(row: SQLModel) -> dict[str, Any]:
    """A row's stored columns, read field by field (a stored enum comes back as text, which
    `model_dump` would warn about): what a read model is validated from, with what it adds."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}  # type: ignore[attr-defined]


def among_ids(session: Session, column: Any, ids: Collection[int]) -> ColumnElement[bool]:
    """SQL: `column` is one of `ids`, sent as a single parameter however many there are: an
    array on PostgreSQL, a JSON list read with `json_each` on SQLite. (`IN` with one bound
    parameter per id costs more to build and parse than to run once there are thousands,
    as a report's citations are, and SQLite caps the number of parameters.)"""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(None, json.dumps(list(ids)))).table_valued("value")
    return column.in_(select(listed.c.value))


def get_or_not_found(
    session: Session, model: type[RowT], row_id: int, name: str, *, for_update: bool = False
) -> RowT:
    """The row of `model` with this id, or `NotFound` that calls it a `name`; `for_update`
    locks it until commit."""
    row = session.get(model, row_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"There is no {name} with id {row_id}.")
    return row


def _json_dumps(document: Any) -> str:
    # Keep non-ASCII text (Arabic names) readable in the stored JSON.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE): two writers then queue
        # on busy_timeout instead of failing when one upgrades a stale read snapshot, and
        # read-modify-write sequences (If-Match checks, the audit chain) are serialised.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """An engine for the URL, configured for this service's needs on each backend."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=not echo,
            json_serializer=_json_dumps,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        # Error messages then never carry bound values (keys' hashes, exact coordinates)
        # into logs; `database_echo`, a debugging switch, shows them.
        hide_parameters=not echo,
        json_serializer=_json_dumps,
        pool_pre_ping=True,
        pool_size=10,
    )


class Database:
    """The engine and the two kinds of session the service opens: read and write.

    `read_cache`, when given, is put in every read session's `info[READ_CACHE]` for the
    services that keep what they read (see `app.audit.read_cache`); write sessions never
    get it, since what they see may not be committed yet.
    """

    def __init__(self, engine: Engine, *, read_cache: object | None = None) -> None:
        self.engine = engine
        # What tells memory that something was committed, without a query (app.core.changes).
        self.changes = change_signal(engine)
        # What requests checked before their body, while the tables checked are unchanged.
        self.passed_checks = PassedChecks(self.changes)
        self._write_engine = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read_cache = read_cache

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(
        self, *, write: bool, generation: object | None = None, cached: bool = True
    ) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        `generation`, for a read session, is the registry's generation an earlier read of the
        same request found: the cache then trusts it instead of asking again (what this
        session reads is at least as new, so nothing kept is staler than the request).
        `cached=False`: a read session without the read cache, for a read that could only
        miss it (just after this process's own commit), so it does not ask for the generation.
        """
        bind = self._write_engine if write else self.engine
        with Session(bind, expire_on_commit=False) as session:
            if not write and cached and self._read_cache is not None:
                session.info[READ_CACHE] = self._read_cache
                if generation is not None:
                    session.info[GENERATION] = generation
            try:
                yield session
                if write:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
