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
  defaults   issue 25: Qt's whole-model defaults on every big list (typing, header click, select-all,
             copy, column sizing, End), each timed by the event-loop watchdog
  monkey     issue 25: the seeded GUI monkey (``bench/monkey.py``), COUNT actions; the worst action
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
    _start_watchdog()
    return (
        app,
        window,
        session,
        {"imported": imported, "unlocked": unlocked, "shown": shown, "figures": figures},
    )


#: Every probe that opens the app runs under the event-loop watchdog once the window is up; its
#: stalls (over 200 ms, with the stack that caused each) go into the probe's result.
_WATCHDOG = None


def _start_watchdog() -> None:
    global _WATCHDOG
    from setting_app.ui.watchdog import StallWatchdog

    if _WATCHDOG is None:
        _WATCHDOG = StallWatchdog().start()


def _watchdog_report() -> dict:
    if _WATCHDOG is None:
        return {}
    _WATCHDOG.stop()
    stalls = sorted(_WATCHDOG.stalls, key=lambda s: -s.ms)
    return {
        "ui_stalls": [s.describe() for s in stalls[:10]],
        "ui_stall_count": len(stalls),
        "ui_worst_gap_ms": _WATCHDOG.worst_gap_ms,
    }


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


def _timed_actions(app, watchdog, actions) -> dict[str, float]:
    """Run each (name, do) and report how long the UI thread went without serving events."""
    out: dict[str, float] = {}
    for name, do in actions:
        with watchdog.action(name) as timing:
            started = time.perf_counter()
            per_key = do()
            for _ in range(3):
                app.processEvents()
            wall = (time.perf_counter() - started) * 1000
        # Typing is timed key by key (each key is an action a person waits on).
        out[name] = round(per_key if isinstance(per_key, float) else max(timing.worst_gap_ms, wall), 1)
    return out


def defaults(data_dir: Path, spawned_at: float) -> dict:
    """Issue 25, Deliver 1: every Qt default that could walk a whole list, on the big lists."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from setting_app.ui.watchdog import StallWatchdog

    app, window, session, _ = _app_window(data_dir)
    watchdog = StallWatchdog().start()
    ctrl = Qt.KeyboardModifier.ControlModifier

    def keys(view, text: str):
        def type_it() -> float:
            worst = 0.0
            for char in text:
                started = time.perf_counter()
                QTest.keyClicks(view, char)
                app.processEvents()
                worst = max(worst, (time.perf_counter() - started) * 1000)
            return worst

        return type_it

    def key(view, k, modifier=Qt.KeyboardModifier.NoModifier):
        return lambda: QTest.keyClick(view, k, modifier)

    def header_click(view, section: int):
        header = view.horizontalHeader()
        point = QPoint(header.sectionViewportPosition(section) + 5, 5)
        return lambda: QTest.mouseClick(
            header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )

    result: dict[str, object] = {}
    window.show_screen("log")
    _settle(app)
    log = window.screens["log"]
    table = log.table
    table.setFocus()
    total = log.model.rowCount()
    fam = f"FAM-{(session.conn.execute('SELECT count(*) FROM families').fetchone()[0] // 2):04d}"
    before = log.model.fetch_count
    per_key = []
    for char in fam:  # each key of a search typed into the list
        with watchdog.action(f"log: key {char!r}") as timing:
            started = time.perf_counter()
            QTest.keyClicks(table, char)
            _settle(app)
            per_key.append(max(timing.worst_gap_ms, (time.perf_counter() - started) * 1000))
    result["log_rows"] = total
    result["log_type_family_key_ms"] = [round(v, 1) for v in per_key]
    result["log_type_family_pages_read"] = log.model.fetch_count - before
    result["log_type_family_found_row"] = table.currentIndex().row()
    app.processEvents()
    _wait(app, _typing_interval() + 50)
    log_actions = [
        ("log: type 'zzq' (no family)", keys(table, "zzq")),
        ("log: header click Domain (sorts in SQL)", header_click(table, 2)),
        ("log: header click Domain again (the other way)", header_click(table, 2)),
        ("log: header click Time", header_click(table, 5)),
        ("log: Ctrl+End, sorted by time", key(table, Qt.Key.Key_End, ctrl)),
        ("log: header click Kind (keeps the current row)", header_click(table, 3)),
        ("log: header click Family (not sortable)", header_click(table, 1)),
        ("log: header click Date (back to newest first)", header_click(table, 0)),
        ("log: Ctrl+A", key(table, Qt.Key.Key_A, ctrl)),
        ("log: Ctrl+C", key(table, Qt.Key.Key_C, ctrl)),
        ("log: fit one column (header edge double-click)", lambda: table.resizeColumnToContents(8)),
        ("log: fit all columns", table.resizeColumnsToContents),
        ("log: End (last row)", key(table, Qt.Key.Key_End, ctrl)),
        ("log: Home (first row)", key(table, Qt.Key.Key_Home, ctrl)),
    ]
    result["actions_ms"] = _timed_actions(app, watchdog, log_actions)
    # With a filter the date index cannot answer alone (domain): the family's row costs more.
    result["actions_ms"].update(
        _timed_actions(app, watchdog, [("log: choose one domain", lambda: log.domain.setCurrentIndex(1))])
    )
    deadline = time.perf_counter() + 10
    while log.model.counting and time.perf_counter() < deadline:  # the count arrives from a worker
        _wait(app, 5)
    result["log_one_domain_rows"] = log.model.rowCount()
    _wait(app, _typing_interval() + 50)
    result["actions_ms"].update(
        _timed_actions(app, watchdog, [("log, one domain: type a family", keys(table, fam))])
    )

    window.show_screen("families")
    _settle(app)
    families = window.screens["families"]
    families.status.setCurrentIndex(families.status.count() - 1)  # all families
    _settle(app)
    ftable = families.table
    ftable.setFocus()

    def type_and_search() -> float:
        worst = keys(ftable, "smi")()
        started = time.perf_counter()
        families.apply_filter()  # what the debounce timer does 250 ms later
        _settle(app)
        return max(worst, (time.perf_counter() - started) * 1000)

    result["actions_ms"].update(
        _timed_actions(
            app,
            watchdog,
            [
                ("families: type 'smi' (to the search box) and search", type_and_search),
                ("families: header click Reference (the other way)", header_click(ftable, 0)),
                ("families: header click Opened", header_click(ftable, 4)),
                ("families: header click Last support", header_click(ftable, 6)),
                ("families: header click Key worker", header_click(ftable, 3)),
                ("families: Ctrl+A", key(ftable, Qt.Key.Key_A, ctrl)),
                ("families: End", key(ftable, Qt.Key.Key_End, ctrl)),
            ],
        )
    )

    window.show_screen("records")
    _settle(app)
    records = window.screens["records"]
    audit = None
    for child in records.findChildren(object):
        if type(child).__name__ == "AuditTab":
            audit = child
    if audit is not None:
        tabs = getattr(records, "tabs", None)
        if tabs is not None:
            tabs.setCurrentWidget(audit)
        audit.refresh()
        _settle(app)
        result["audit_rows"] = audit.model.rowCount()
        atable = audit.table
        atable.setFocus()
        result["actions_ms"].update(
            _timed_actions(
                app,
                watchdog,
                [
                    ("audit: type 'FAM-0001' (to the family box)", keys(atable, "FAM-0001")),
                    ("audit: header click", header_click(atable, 1)),
                    ("audit: Ctrl+A", key(atable, Qt.Key.Key_A, ctrl)),
                    ("audit: Ctrl+C", key(atable, Qt.Key.Key_C, ctrl)),
                    ("audit: End", key(atable, Qt.Key.Key_End, ctrl)),
                ],
            )
        )

    window.show_screen("referrals")
    _settle(app)
    referrals = window.screens["referrals"]
    for name in ("table", "service_table", "sharing_table"):
        view = getattr(referrals, name, None)
        if view is None:
            continue
        result[f"referrals_{name}_rows"] = view.model().rowCount()
        result["actions_ms"].update(
            _timed_actions(
                app,
                watchdog,
                [
                    (f"referrals {name}: type 'foo'", keys(view, "foo")),
                    (f"referrals {name}: header click", header_click(view, 1)),
                    (f"referrals {name}: Ctrl+A", key(view, Qt.Key.Key_A, ctrl)),
                ],
            )
        )
    watchdog.stop()
    actions = result["actions_ms"]
    worst_name = max(actions, key=actions.get)
    result["worst_action"] = [worst_name, actions[worst_name]]
    result["worst_key_ms"] = max(per_key)
    result["stalls"] = [s.describe() for s in watchdog.stalls]
    result["peak_rss_mb"] = _rss_mb()
    _close(app, window, session)
    return result


def _wait(app, ms: float) -> None:
    """Let time pass with the event loop running (a sleep would be a stall)."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def _typing_interval() -> int:  # noqa: N802
    from PySide6.QtWidgets import QApplication

    return QApplication.keyboardInputInterval()


def monkey(data_dir: Path, spawned_at: float, actions: int, seed: int) -> dict:
    """Issue 25, Deliver 4: the seeded monkey on this casebook; every action's latency."""
    from bench.casebooks import PASSPHRASE
    from bench.monkey import Monkey

    from setting_app.ui.errors import ErrorHandler
    from setting_app.ui.watchdog import StallWatchdog

    app, window, session, _ = _app_window(data_dir)
    handler = ErrorHandler(data_dir.parent / "logs")
    handler.install()
    watchdog = StallWatchdog().start()
    result = Monkey(window, PASSPHRASE, seed=seed, watchdog=watchdog).run(actions, timeout_s=540)
    watchdog.stop()
    latencies = sorted((ms for _, ms in result.latencies), reverse=True)
    worst = sorted(result.latencies, key=lambda item: -item[1])[:15]
    out = {
        "seed": seed,
        "actions": result.actions,
        "seconds": result.seconds,
        "worst_action": list(result.worst),
        "worst15": [[label, round(ms, 1)] for label, ms in worst],
        "p50_ms": statistics.median(latencies) if latencies else 0,
        "p99_ms": latencies[len(latencies) // 100] if latencies else 0,
        "over_300_ms": len([ms for ms in latencies if ms > 300]),
        "unexpected": result.unexpected + ([handler.last_reference] if handler.last_reference else []),
        "quick_log_lost": result.quick_log_lost,
        "locks": result.locks,
        "hides": result.hides,
        "quick_log_checks": result.quick_log_checks,
        "stalls": [s.describe() for s in sorted(watchdog.stalls, key=lambda s: -s.ms)[:10]],
        "summary": result.summary(),
        "peak_rss_mb": _rss_mb(),
    }
    handler.uninstall()
    # the window may have been left on any screen; the session the monkey unlocked is the window's own
    session = window.ctx.session if window.ctx.is_unlocked else session
    _close(app, window, session)
    return out


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
    elif mode == "defaults":
        result = defaults(data_dir, spawned_at)
    elif mode == "monkey":
        result = monkey(data_dir, spawned_at, count, int(argv[4]) if len(argv) > 4 else 1)
    else:
        raise SystemExit(f"unknown mode {mode}")
    result.update(_watchdog_report())
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
