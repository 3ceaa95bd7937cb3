"""Work off the UI thread (reports, exports, backups, big queries), with results back by signal.

SQLite connections belong to the thread that opened them, so work that reads the casebook gets its
own session, opened inside the worker thread and closed when it finishes (``run_with_session``).
Results and errors are delivered on the UI thread.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from setting_app.domain.errors import AppError
from setting_app.services.session import Session

from setting_app.ui.context import AppContext
from setting_app.ui.errors import show_app_error

#: Tasks still running (so neither they nor their relays are garbage-collected early).
_running: set[BackgroundTask] = set()


class _Relay(QObject):
    """Lives on the UI thread; the worker's signals are queued to it."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.finished.connect(self._done)
        self.failed.connect(self._error)

    @Slot(object)
    def _done(self, result: object) -> None:
        self._on_done(result)

    @Slot(object)
    def _error(self, error: BaseException) -> None:
        self._on_error(error)


def report_error(error: BaseException) -> None:
    """The default error path: a plain message for an AppError, the reference dialog for a bug."""
    if isinstance(error, AppError):
        show_app_error(None, error)
    else:
        sys.excepthook(type(error), error, error.__traceback__)


class BackgroundTask(QRunnable):
    def __init__(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] = report_error,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._work = work
        self.relay = _Relay(self._finish(on_done), self._finish(on_error))

    def _finish(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def call(value: Any) -> None:
            _running.discard(self)
            callback(value)

        return call

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # delivered to the UI thread, never lost in the worker
            self.relay.failed.emit(error)
        else:
            self.relay.finished.emit(result)


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] = report_error,
    *,
    pool: QThreadPool | None = None,
) -> BackgroundTask:
    task = BackgroundTask(work, on_done, on_error)
    _running.add(task)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def run_with_session(
    ctx: AppContext,
    work: Callable[[Session], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] = report_error,
) -> BackgroundTask:
    """Run ``work(session)`` on a worker thread with its own connection to the casebook."""
    base = ctx.session  # raises PermissionDenied now if locked

    def in_thread() -> Any:
        session = base.for_thread()
        try:
            return work(session)
        finally:
            session.close()

    return run_in_background(in_thread, on_done, on_error)
