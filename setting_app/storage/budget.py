"""Reads with a time budget: a query that would hold the caller up longer is interrupted.

The UI thread asks for counts and row positions that are instant on most lists but can take most of
a second on a filtered ten-year log (a filter no index answers alone). With a budget the UI thread
gets its answer when it is quick, and ``None`` when it is not, and then asks a worker thread instead.

Only for reads: an interrupted SELECT changes nothing (SQLite rolls back only interrupted writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from setting_app.storage.database import Connection, OperationalError

T = TypeVar("T")

#: SQLite calls the progress handler every this many virtual-machine steps (a few microseconds).
_STEPS = 2_000


def within_budget(conn: Connection, budget_ms: float | None, read: Callable[[], T]) -> T | None:
    """``read()`` if it finishes within ``budget_ms`` (None: no budget), else None."""
    if budget_ms is None:
        return read()
    deadline = time.perf_counter() + budget_ms / 1000
    expired = False

    def check() -> int:
        nonlocal expired
        expired = time.perf_counter() > deadline
        return 1 if expired else 0

    conn.set_progress_handler(check, _STEPS)
    try:
        return read()
    except OperationalError:
        if expired:
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)
