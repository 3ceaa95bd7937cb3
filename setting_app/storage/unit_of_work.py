"""Transactions belong to services: ``with unit_of_work(conn):`` around one use case.

Repositories never commit. Nested units become savepoints, so a service can call another.
Write transactions start IMMEDIATE so that two writers queue (busy timeout) instead of deadlocking.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

from setting_app.domain.errors import CasebookBusy
from setting_app.storage import restricted_content
from setting_app.storage.database import Connection, OperationalError

_savepoint_names = itertools.count(1)


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def unit_of_work(conn: Connection) -> Iterator[Connection]:
    if conn.in_transaction:
        name = f"sp_{next(_savepoint_names)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if _is_busy(exc):
            raise CasebookBusy() from None
        raise
    try:
        yield conn
        # Nothing restricted is ever committed in plain text (see restricted_content).
        restricted_content.seal_pending(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if _is_busy(exc):
            raise CasebookBusy() from None
        raise
