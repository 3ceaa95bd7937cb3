"""Qt measurements, each in a process of its own (offscreen), printing one JSON line.

``python -m bench.gui_probe MODE DATA_DIR SPAWNED_AT [--jumps N]`` where ``SPAWNED_AT`` is the
parent's ``time.time()`` just before it started this process, so start-up time includes the
interpreter's own start.

Modes:
  bare       the floor: import PySide6, a QApplication and an empty QMainWindow shown
  app        the app: imports, QApplication, unlock (production Argon2id), the real MainWindow shown
  log        the full support log: open the Log screen, then jump to rows spread over the whole list
  table      the floor for the log's jumps: a trivial model of as many rows in a plain QTableView
  chronology the family page for the family with about 500 entries, opened repeatedly
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _settle(app) -> None:
    """Let Qt lay out and paint what is pending (offscreen paints into a backing store)."""
    for _ in range(3):
        app.processEvents()


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_now_mb() -> float | None:
    """Resident memory now (the peak includes Argon2id's 64 MiB during unlock)."""
    return _status_mb("VmRSS")


def _rss_mb() -> float:
    """Peak resident memory of this process. ``ru_maxrss`` survives ``execve`` on Linux (it would
    report the parent's peak), so the kernel's high-water mark for this process is read instead."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare(spawned_at: float) -> dict:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    imported = time.time()
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.resize(1280, 800)
    window.show()
    _settle(app)
    shown = time.time()
    return {
        "process_to_window_ms": (shown - spawned_at) * 1000,
        "imports_ms": (imported - spawned_at) * 1000,
        "peak_rss_mb": _rss_mb(),
    }


def table_floor(rows: int, jumps: int) -> dict:
    """The floor for "jump to a row": a plain QTableView over a trivial Python model of the same size
    and columns, in a window of the same size, jumping the same way (no database, no formatting)."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QMainWindow, QTableView

    class Trivial(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else rows

        def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else 10

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            return "12/10/2026"

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    view = QTableView()
    model = Trivial()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    window.setCentralWidget(view)
    window.resize(1280, 800)
    window.show()
    _settle(app)
    rng = random.Random(8)
    times = []
    for row in [rows - 1, rows // 2, 0] + [rng.randrange(rows) for _ in range(jumps)]:
        started = time.perf_counter()
        view.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        view.selectRow(row)
        _settle(app)
        times.append((time.perf_counter() - started) * 1000)
    return {"rows": rows, "jump_ms": times, "jump_median_ms": statistics.median(times)}


def _app_window(data_dir: Path):
    from bench.casebooks import bench_clock
    from bench.measures import open_session

    from setting_app.ui.app import _application
    from setting_app.ui.context import AppContext
    from setting_app.ui.main_window import MainWindow

    app = _application()
    imported = time.time()
    session = open_session(data_dir)
    unlocked = time.time()
    ctx = AppContext(session, bench_clock())
    window = MainWindow(ctx, data_dir, log_dir=data_dir.parent / "logs")
    window.show()
    _settle(app)
    shown = time.time()
    dashboard = window.screens.get("dashboard")
    deadline = time.time() + 30
    while getattr(dashboard, "figures", True) is None and time.time() < deadline:
        app.processEvents()  # the dashboard's figures arrive from a worker thread
        time.sleep(0.001)
    _settle(app)
    figures = time.time()
    return (
        app,
        window,
        session,
        {"imported": imported, "unlocked": unlocked, "shown": shown, "figures": figures},
    )


def _close(app, window, session) -> None:
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)
    _settle(app)
    window.close()
    session.close()


def app_start(data_dir: Path, spawned_at: float) -> dict:
    app, window, session, t = _app_window(data_dir)
    result = {
        "process_to_window_ms": (t["figures"] - spawned_at) * 1000,
        "imports_and_qapp_ms": (t["imported"] - spawned_at) * 1000,
        "unlock_ms": (t["unlocked"] - t["imported"]) * 1000,
        "main_window_after_unlock_ms": (t["figures"] - t["unlocked"]) * 1000,
        "window_shown_after_unlock_ms": (t["shown"] - t["unlocked"]) * 1000,
        "peak_rss_mb": _rss_mb(),
    }
    _close(app, window, session)
    return result


def _jumps(app, screen, rows: list[int]) -> tuple[list[float], list[float]]:
    """Go to each row as the Row box does; time to its record, and to the rows painted."""
    times, fetches = [], []
    for row in rows:
        started = time.perf_counter()
        screen.go_to_row(row)
        record = screen.model.record(row)  # the row's page, read from the casebook
        fetched = time.perf_counter()
        _settle(app)  # paints the visible rows (fetching a second page if they straddle two)
        times.append((time.perf_counter() - started) * 1000)
        fetches.append((fetched - started) * 1000)
        if record is None:
            raise RuntimeError(f"row {row} did not load")
    return times, fetches


def full_log(data_dir: Path, spawned_at: float, jumps: int) -> dict:
    app, window, session, _ = _app_window(data_dir)
    rss_before = _rss_now_mb()
    started = time.perf_counter()
    window.show_screen("log")
    _settle(app)
    open_ms = (time.perf_counter() - started) * 1000
    screen = window.screens["log"]
    total = screen.model.rowCount()
    rng = random.Random(8)
    rows = [total - 1, total // 2, 0] + [rng.randrange(total) for _ in range(jumps)]
    times, fetches = _jumps(app, screen, rows)
    scroll = []
    bar = screen.table.verticalScrollBar()
    for _ in range(min(jumps, 20)):  # page down: one short keyset read at a time
        started = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        _settle(app)
        scroll.append((time.perf_counter() - started) * 1000)
    # Memory: Python's own allocations while jumping again (tracemalloc slows Python, so not timed).
    tracemalloc.start()
    _jumps(app, screen, [rng.randrange(total) for _ in range(jumps)])
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # The same jumps with smaller pages (what a smaller page size would give; not the app's setting).
    default_page = screen.model.page_size
    screen.model.page_size = 50
    screen.model.refresh()
    _settle(app)
    other = random.Random(9)  # other rows, so neither pass finds the other's pages in the cache
    small_rows = [max(0, r) for r in (total - 2, total // 2 - 1000, 1000)]
    small_rows = [min(r, total - 1) for r in small_rows] + [other.randrange(total) for _ in range(jumps)]
    small_times, small_fetches = _jumps(app, screen, small_rows)
    result = {
        "rows": total,
        "open_ms": open_ms,
        "page_size": default_page,
        "jump_ms": times,
        "jump_median_ms": statistics.median(times),
        "jump_max_ms": max(times),
        "fetch_median_ms": statistics.median(fetches),
        "fetch_max_ms": max(fetches),
        "page_down_median_ms": statistics.median(scroll),
        "page50_jump_median_ms": statistics.median(small_times),
        "page50_fetch_median_ms": statistics.median(small_fetches),
        "pages_cached": len(screen.model.cached_pages),
        "tracemalloc_peak_mb": traced_peak / 1e6,
        "rss_before_log_mb": rss_before,
        "rss_after_jumps_mb": _rss_now_mb(),
        "peak_rss_mb": _rss_mb(),
    }
    _close(app, window, session)
    return result


def chronology(data_dir: Path, spawned_at: float, runs: int) -> dict:
    from bench.measures import family_near_entries

    app, window, session, _ = _app_window(data_dir)
    family_id, count = family_near_entries(session.conn)
    window.show_family(family_id)  # the first visit builds the page
    _settle(app)
    other, _ = family_near_entries(session.conn, 5)
    times = []
    for _ in range(runs):
        window.show_family(other)
        _settle(app)
        started = time.perf_counter()
        window.show_family(family_id)
        _settle(app)
        times.append((time.perf_counter() - started) * 1000)
    page = window.screens.get("family")
    result = {
        "entries": count,
        "runs_ms": times,
        "median_ms": statistics.median(times),
        "page_reported_ms": getattr(page, "last_load_ms", None),
        "peak_rss_mb": _rss_mb(),
    }
    _close(app, window, session)
    return result


def main(argv: list[str]) -> int:
    mode, data_dir, spawned_at = argv[0], Path(argv[1]), float(argv[2])
    count = int(argv[3]) if len(argv) > 3 else 10
    if mode == "bare":
        result = bare(spawned_at)
    elif mode == "app":
        result = app_start(data_dir, spawned_at)
    elif mode == "log":
        result = full_log(data_dir, spawned_at, count)
    elif mode == "table":
        result = table_floor(int(argv[4]) if len(argv) > 4 else 250_000, count)
    elif mode == "chronology":
        result = chronology(data_dir, spawned_at, count)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
