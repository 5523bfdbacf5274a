"""Coordination between processes and machines that share one database.

With PostgreSQL (shared by any number of machines) the database itself enforces "one crawl per
source" (a session advisory lock, released by the server when the holder's connection closes,
so a killed process never leaves a stale lock) and "one processor per page" (``FOR UPDATE SKIP
LOCKED`` row claims, see schedules.process). With SQLite (one machine) the lock files of
schedules.service do the same job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


class LockBusy(Exception):
    """Another process (on this or another machine) holds the lock."""


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (same on every machine)."""
    digest = hashlib.sha256(f"policywatch:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, name: str, *, wait: bool = False) -> Iterator[None]:
    """Hold the PostgreSQL session advisory lock ``name`` on a connection of its own.

    Without ``wait`` a lock held elsewhere raises LockBusy at once. The server releases the
    lock when this connection ends, whatever happens to the process."""
    key = lock_key(name)
    with engine.connect() as conn:
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.rollback()
            raise LockBusy(name)
        conn.commit()  # the lock is session-level: it outlives this (empty) transaction
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            except Exception:  # the connection is gone: the server released the lock with it
                pass


def transaction_lock(session: Session, name: str) -> None:
    """PostgreSQL: serialise this transaction with others taking the same lock (released at
    commit or rollback). SQLite serialises writers by itself: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(name)})
