"""Service-level measurements: each takes a working copy of a casebook and returns figures in ms.

Everything here goes through the app's own services and repositories (the same code the screens and
the CLI run), never through SQL written for the benchmark, so a slow query in the app shows up here.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.casebooks import PASSPHRASE, USERNAME, bench_clock
from setting_app.domain.codes import Domain, Kind
from setting_app.domain.models import NewEntry
from setting_app.services import backup, families, support_log
from setting_app.services.casebook import check_casebook, unlock
from setting_app.services.la_export import prepare_export, write_return
from setting_app.services.la_export.periods import parse_period
from setting_app.services.la_export.tables import collect
from setting_app.services.monthly_summary import Month, compute_summary, monthly_summary
from setting_app.services.report_pdf import render_monthly_pdf
from setting_app.services.session import Session
from setting_app.storage import database, entry_repo, family_repo, keyslots, setting_repo
from setting_app.storage.casebook_store import DB_NAME, SLOTS_NAME
from setting_app.storage.database import CACHE_SIZE_KIB, open_database

#: The month and financial year measured: the last whole month and the last whole year before TODAY.
MONTH = "2026-10"
FINANCIAL_YEAR = "FY2025-26"
#: Type-ahead: what a practitioner types (a reference, part of a surname, a child's first letters).
TYPEAHEAD_QUERIES = ("FAM-01", "smi", "ali", "o", "jo", "FAM-1499", "zz")


@dataclass
class Figure:
    """One measured thing: every run in ms, reported as the median (and the worst run)."""

    name: str
    runs_ms: list[float]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def max_ms(self) -> float:
        return max(self.runs_ms)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "median_ms": round(self.median_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "runs": len(self.runs_ms),
            "note": self.note,
            **self.extra,
        }


def time_ms(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def repeat_ms(action: Callable[[], Any], runs: int, *, warmup: int = 0) -> list[float]:
    for _ in range(warmup):
        action()
    return [time_ms(action)[0] for _ in range(runs)]


def open_session(data_dir: Path) -> Session:
    return unlock(data_dir, USERNAME, PASSPHRASE, clock=bench_clock())


# --- unlock --------------------------------------------------------------------------------------


def measure_unlock(data_dir: Path, runs: int) -> list[Figure]:
    """Whole unlock (Argon2id + open + migrations check + audit row), and the key derivation alone."""
    whole: list[float] = []
    for _ in range(runs):
        ms, session = time_ms(lambda: open_session(data_dir))
        session.close()
        whole.append(ms)
    slot = keyslots.find_user_slot(keyslots.read_slot_file(data_dir / SLOTS_NAME), USERNAME)
    kdf = repeat_ms(lambda: keyslots.keys_with_passphrase(slot, PASSPHRASE), runs)
    memory_kib = slot.kdf.memory_kib
    return [
        Figure("unlock", whole, "Argon2id key derivation + open + audit row", {"kdf_memory_kib": memory_kib}),
        Figure("unlock: key derivation alone", kdf),
    ]


# --- writing -------------------------------------------------------------------------------------


def busiest_open_family(session: Session) -> int:
    row = session.conn.execute(
        "SELECT f.id FROM families f JOIN support_entries e ON e.family_id = f.id "
        "WHERE f.closed_on IS NULL GROUP BY f.id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    if row is None:
        row = session.conn.execute("SELECT id FROM families ORDER BY id LIMIT 1").fetchone()
    return int(row[0])


def measure_save_entry(session: Session, runs: int) -> Figure:
    """The quick log's save: validation reads, insert, FTS trigger, audit row, durable commit."""
    family_id = busiest_open_family(session)
    today = session.clock.today()

    def save() -> None:
        support_log.log_entry(
            session,
            NewEntry(
                family_id=family_id,
                entry_date=today,
                domain=Domain.FAMILY_WELLBEING,
                minutes=15,
                kind=Kind.DIRECT,
                activity_code="wellbeing_checkin",
                note="Benchmark check-in: talked about sleep routines and the stay-and-play session.",
            ),
        )

    return Figure("save one quick-log entry", repeat_ms(save, runs, warmup=1), "synchronous=FULL, WAL")


# --- reads ---------------------------------------------------------------------------------------


def measure_typeahead(session: Session, runs: int, label: str) -> Figure:
    per_query: dict[str, float] = {}
    all_runs: list[float] = []
    for text in TYPEAHEAD_QUERIES:
        times = repeat_ms(lambda t=text: families.search_families(session, t), runs, warmup=1)
        per_query[text] = round(statistics.median(times), 2)
        all_runs += times
    worst = max(per_query, key=per_query.__getitem__)
    return Figure(
        f"family type-ahead ({label})",
        all_runs,
        f"slowest query '{worst}' {per_query[worst]:.1f} ms",
        {"per_query_ms": per_query},
    )


def family_near_entries(conn: Any, wanted: int = 500) -> tuple[int, int]:
    row = conn.execute(
        "SELECT family_id, count(*) AS n FROM support_entries GROUP BY family_id "
        "ORDER BY abs(count(*) - ?) LIMIT 1",
        (wanted,),
    ).fetchone()
    return int(row[0]), int(row[1])


def measure_chronology(session: Session, runs: int) -> Figure:
    """What the family page reads: the family, children, every entry and referral, staff, labels."""
    family_id, count = family_near_entries(session.conn)

    def load() -> None:
        families.get_family(session, family_id)
        families.list_children(session, family_id)
        support_log.family_chronology(session, family_id)
        support_log.family_referrals(session, family_id)
        support_log.activity_labels(session)

    return Figure(
        "chronology: service reads", repeat_ms(load, runs, warmup=1), f"{count} entries", {"entries": count}
    )


def measure_summary(session: Session, runs: int, month: str = MONTH) -> list[Figure]:
    compute: list[float] = []
    pdf: list[float] = []
    as_json: list[float] = []
    pages = 0
    for _ in range(runs):
        ms, summary = time_ms(lambda: monthly_summary(session, month))
        compute.append(ms)
        render_ms, rendered = time_ms(lambda s=summary: render_monthly_pdf(s))
        pdf.append(ms + render_ms)
        json_ms, _ = time_ms(lambda s=summary: json.dumps(s.to_json_dict(), indent=2))
        as_json.append(ms + json_ms)
        pages = rendered.pages
    # Through the date index: a scan of the whole table here would push the month's pages out of the
    # page cache and make the next run a cold one.
    entries = session.conn.execute(
        "SELECT count(*) FROM support_entries WHERE entry_date BETWEEN ? AND ?",
        (f"{month}-01", f"{month}-31"),
    ).fetchone()[0]
    extra = {"month_entries": int(entries)}
    return [
        Figure(f"monthly summary {month}: figures", compute, f"{entries} entries that month", extra),
        Figure(f"monthly summary {month}: PDF", pdf, f"{pages} pages" if pages else "", extra),
        Figure(f"monthly summary {month}: JSON", as_json, "", extra),
    ]


def measure_la_export(session: Session, runs: int, period: str, work: Path) -> Figure:
    """The whole export as the app runs it, plus its three phases timed apart (counting the period
    in SQL, disclosure control in Python, writing and signing the files)."""
    from setting_app.services.la_export.build import ReturnIdentity, build_export
    from setting_app.services.la_export.sdc import SdcParams

    times: list[float] = []
    phases: dict[str, list[float]] = {"count_ms": [], "sdc_ms": [], "write_ms": []}
    suppressed = 0
    p = parse_period(period)
    setting = setting_repo.get_setting(session.conn)
    identity = ReturnIdentity.for_setting(
        setting.urn, setting.nation, setting.la_code, setting.la_name, setting.integration_model
    )
    for i in range(runs):
        out = work / f"la-{period}-{i}"

        def export(out: Path = out) -> None:
            prepared = prepare_export(session, period)
            write_return(session, prepared, out)

        times.append(time_ms(export)[0])
        shutil.rmtree(out, ignore_errors=True)
        count_ms, counts = time_ms(lambda: collect(session.conn, p, setting))
        sdc_ms, built = time_ms(lambda c=counts: build_export(c, p, identity, SdcParams()))
        write_ms, _ = time_ms(lambda b=built, o=out: write_return(session, b, o))
        shutil.rmtree(out, ignore_errors=True)
        phases["count_ms"].append(count_ms)
        phases["sdc_ms"].append(sdc_ms)
        phases["write_ms"].append(write_ms)
        suppressed = built.result.suppressed_count
    entries = session.conn.execute(
        "SELECT count(*) FROM support_entries WHERE entry_date BETWEEN ? AND ?",
        (p.start.isoformat(), p.end.isoformat()),
    ).fetchone()[0]
    split = {name: round(statistics.median(values), 2) for name, values in phases.items()}
    return Figure(
        f"LA export {period} (count, SDC, write, sign)",
        times,
        f"{entries} entries; count {split['count_ms']:.0f} + disclosure control {split['sdc_ms']:.0f} "
        f"+ write {split['write_ms']:.0f} ms; {suppressed} cells suppressed",
        {"period_entries": int(entries), "suppressed": suppressed, **split},
    )


def measure_backup_and_check(session: Session, runs: int, work: Path) -> list[Figure]:
    made: list[float] = []
    size = 0
    for i in range(runs):
        target = work / f"backup-{i}.fslbackup"
        ms, info = time_ms(lambda t=target: backup.make_backup(session, t))
        made.append(ms)
        size = info.size_bytes
        target.unlink(missing_ok=True)
    checks: list[float] = []
    for _ in range(runs):
        ms, problems = time_ms(lambda: check_casebook(session))
        if problems:
            raise RuntimeError(f"check found problems: {problems}")
        checks.append(ms)
    db_mb = (session.paths.db.stat().st_size) / 1e6
    return [
        Figure("backup", made, f"{size / 1e6:.0f} MB archive", {"bytes": size}),
        Figure("check (integrity + audit chain)", checks, f"{db_mb:.0f} MB casebook"),
    ]


def measure_log_service(session: Session, runs: int) -> list[Figure]:
    """The log list's reads without Qt: the count, the first page, a page deep in the middle."""
    total = support_log.count_entries(session)
    first = repeat_ms(
        lambda: (
            support_log.count_entries(session),
            support_log.log_window(session, entry_repo.EntryFilter(), offset=0, limit=200),
        ),
        runs,
        warmup=1,
    )
    middle = repeat_ms(
        lambda: support_log.log_window(session, entry_repo.EntryFilter(), offset=total // 2, limit=200),
        runs,
    )
    return [
        Figure("log: count + first page (service)", first, f"{total} entries"),
        Figure("log: page at the middle by OFFSET (service)", middle, "worst case without keyset paging"),
    ]


# --- the same reads on SQLCipher and on a plain SQLite copy -----------------------------------------


def _plain_connection(path: Path, *, same_engine: bool) -> Any:
    """The plain copy, opened with the app's own pragmas.

    ``same_engine``: through sqlcipher3 without a key (the same SQLite build as the casebook, so the
    ratio is the encryption alone); otherwise through Python's ``sqlite3`` (the system SQLite).
    """
    if same_engine:
        import sqlcipher3  # the benchmark may; the app itself only in storage/

        conn = sqlcipher3.connect(str(path), isolation_level=None)
        conn.row_factory = sqlcipher3.Row
    else:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    # What open_database gives every casebook connection: sealed fields read as their stand-ins.
    conn.create_function("unsealed", 5, database.sealed_stand_in, deterministic=True)
    return conn


def engine_versions(plain_db: Path) -> dict[str, str]:
    same = _plain_connection(plain_db, same_engine=True)
    system = _plain_connection(plain_db, same_engine=False)
    try:
        return {
            "sqlcipher_sqlite": str(same.execute("SELECT sqlite_version()").fetchone()[0]),
            "system_sqlite": str(system.execute("SELECT sqlite_version()").fetchone()[0]),
        }
    finally:
        same.close()
        system.close()


@dataclass(frozen=True)
class QueryParams:
    """What the hot reads need, found once beforehand so the timed first run starts with a cold cache."""

    setting: Any
    family_id: int
    total: int
    middle: tuple[date, int]


def query_params(conn: Any) -> QueryParams:
    family_id, _ = family_near_entries(conn)
    total = entry_repo.count_entries(conn)
    middle = entry_repo.list_entries(conn, offset=total // 2, limit=1)[0]
    return QueryParams(setting_repo.get_setting(conn), family_id, total, (middle.entry_date, middle.id))


def hot_queries(conn: Any, qp: QueryParams, today: date) -> list[tuple[str, Callable[[], Any]]]:
    """The app's hot reads as repository calls, runnable on either kind of connection."""
    setting, family_id, total, middle = qp.setting, qp.family_id, qp.total, qp.middle
    month = Month(int(MONTH[:4]), int(MONTH[5:]))
    period = parse_period(MONTH)
    year = parse_period(FINANCIAL_YEAR)
    flt = entry_repo.EntryFilter()

    def summary() -> None:
        compute_summary(
            conn, month, today=today, generated_at=bench_clock().now(), generated_by="b", setting=setting
        )

    return [
        ("type-ahead 'smi'", lambda: family_repo.search_families(conn, "smi")),
        ("type-ahead 'FAM-01'", lambda: family_repo.search_families(conn, "FAM-01")),
        ("families list first page", lambda: family_repo.list_family_rows(conn, family_repo.FamilyFilter())),
        ("chronology entries", lambda: entry_repo.list_family_entries(conn, family_id)),
        ("log count", lambda: entry_repo.count_entries(conn, flt)),
        ("log first page", lambda: entry_repo.list_entries(conn, flt, offset=0, limit=200)),
        (
            "log page by keyset (middle)",
            lambda: entry_repo.list_entries_near(conn, flt, middle, forward=True, limit=200),
        ),
        (
            "log page by OFFSET (middle)",
            lambda: entry_repo.list_entries(conn, flt, offset=total // 2, limit=200),
        ),
        (
            "log filtered by domain, first page",
            lambda: entry_repo.list_entries(
                conn, entry_repo.EntryFilter(domain=Domain.FINANCIAL_HARDSHIP), limit=200
            ),
        ),
        ("notes full-text search", lambda: entry_repo.search_entry_notes(conn, "housing")),
        ("monthly summary figures", summary),
        ("LA counts, month", lambda: collect(conn, period, setting)),
        ("LA counts, financial year", lambda: collect(conn, year, setting)),
    ]


def measure_cipher_vs_plain(data_dir: Path, plain_db: Path, key: bytes, runs: int, today: date) -> list[dict]:
    """Each hot read on the encrypted casebook and on its plain copy: first run on a fresh connection
    (an empty page cache: what the first look after unlocking costs), then the warm median.

    The ratio is against the plain copy read by the same SQLite build (sqlcipher3 without a key);
    the system SQLite is shown too, but it is another SQLite version with another query planner.
    Runs alternate between the engines, so a busy machine slows each of them alike; quick queries are
    repeated until each engine has run for about 0.2 s, so the median is not one timer tick.
    """
    opener: dict[str, Callable[[], Any]] = {
        "sqlcipher": lambda: open_database(data_dir / DB_NAME, key),
        "plain": lambda: _plain_connection(plain_db, same_engine=True),
        "system": lambda: _plain_connection(plain_db, same_engine=False),
    }
    probe = opener["sqlcipher"]()
    try:
        qp = query_params(probe)
        names = [name for name, _ in hot_queries(probe, qp, today)]
    finally:
        probe.close()
    rows = []
    for index, name in enumerate(names):
        row: dict[str, Any] = {"query": name}
        firsts: dict[str, list[float]] = {engine: [] for engine in opener}
        for _ in range(3):  # first run on a new connection, three times, alternating
            for engine, make in opener.items():
                conn = make()
                try:
                    firsts[engine].append(time_ms(hot_queries(conn, qp, today)[index][1])[0])
                finally:
                    conn.close()
        conns = {engine: make() for engine, make in opener.items()}
        try:
            actions = {engine: hot_queries(conn, qp, today)[index][1] for engine, conn in conns.items()}
            warm: dict[str, list[float]] = {engine: [] for engine in opener}
            for action in actions.values():
                action()  # warm the cache
            while True:
                for engine, action in actions.items():
                    warm[engine].append(time_ms(action)[0])
                done = len(warm["sqlcipher"])
                if done >= 200 or (done >= runs and sum(warm["sqlcipher"]) >= 200):
                    break
        finally:
            for conn in conns.values():
                conn.close()
        for engine in opener:
            row[f"{engine}_ms"] = round(statistics.median(warm[engine]), 3)
            row[f"{engine}_first_ms"] = round(statistics.median(firsts[engine]), 3)
        row["warm_runs"] = len(warm["sqlcipher"])
        row["ratio"] = round(row["sqlcipher_ms"] / row["plain_ms"], 2) if row["plain_ms"] > 0 else None
        row["first_ratio"] = (
            round(row["sqlcipher_first_ms"] / row["plain_first_ms"], 2) if row["plain_first_ms"] > 0 else None
        )
        rows.append(row)
    return rows


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-"))
