"""The benchmark of issue 8: ``.venv/bin/python -m bench.run`` (add ``--help`` for options).

Builds (or takes from ``bench/.cache``) the demo casebooks, measures every figure the issue asks for
as the median of several runs, and prints them beside their targets with PASS or MISS. The figures
are also written as JSON (``bench/.cache/results-<time>.json``) for ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import measures
from bench.casebooks import CACHE_DIR, Casebook, Spec, bench_clock, data_key, ensure_casebook, working_copy
from bench.measures import Figure

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sizes:
    large: Spec  # the ten-year setting
    wide: Spec  # many families, few months: type-ahead at 10,000 families
    growth: Spec  # about a tenth of the entries, for the growth comparison


FULL = Sizes(Spec(1500, 120), Spec(10_000, 3), Spec(540, 12))
#: For the smoke test: the same code on casebooks built in a second or two.
TINY = Sizes(Spec(30, 6), Spec(60, 2), Spec(15, 3))


@dataclass
class Target:
    label: str
    value: float | None
    limit: float
    unit: str = "ms"
    how: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        return "PASS" if self.value < self.limit else "MISS"


# --- the machine ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import sqlcipher3

    import PySide6
    from PySide6.QtCore import qVersion

    from setting_app.storage.database import open_database  # noqa: F401 (sqlcipher3 loads)

    probe = sqlcipher3.connect(":memory:")
    cipher_version = probe.execute("PRAGMA cipher_version").fetchone()[0]
    cipher_sqlite = probe.execute("SELECT sqlite_version()").fetchone()[0]
    probe.close()
    import sqlite3

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlcipher": f"{cipher_version} (SQLite {cipher_sqlite})",
        "system_sqlite": sqlite3.sqlite_version,
        "pyside6": PySide6.__version__,
        "qt": qVersion(),
        "load_average_at_start": os.getloadavg(),
    }


# --- running the Qt probes --------------------------------------------------------------------------


def gui_probe(mode: str, data_dir: Path, count: int = 10, *extra: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.gui_probe", mode, str(data_dir), repr(spawned), str(count), *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line.removeprefix("BENCH-RESULT "))
            if result.get("ui_stall_count"):  # the event-loop watchdog (issue 25)
                say(
                    f"  [{mode}] {result['ui_stall_count']} UI-thread stall(s) over 200 ms once the window "
                    f"was up; the longest: {result['ui_stalls'][0].splitlines()[0]}"
                )
                for where in result["ui_stalls"][0].splitlines()[1:][-4:]:
                    say(f"      {where.strip()}")
            return result
    raise RuntimeError(f"gui probe {mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")


# --- issue 25: responsiveness (Qt defaults on big lists, the monkey) -------------------------------

#: Monkey runs in the benchmark: (seed, actions) on the large casebook; tiny runs do a few actions.
MONKEY_RUNS = ((7, 400), (25, 400))
TINY_MONKEY_RUNS = ((7, 30),)


def responsiveness(data_dir: Path, *, tiny: bool) -> dict[str, Any]:
    """Every whole-model Qt default timed on the big lists, and the seeded monkey's worst action."""
    out: dict[str, Any] = {"defaults": gui_probe("defaults", data_dir)}
    d = out["defaults"]
    say(
        f"  Qt defaults on the big lists ({d['log_rows']:,} log rows): worst action "
        f"{d['worst_action'][1]:.0f} ms ({d['worst_action'][0]}); typing a family into the log, worst key "
        f"{d['worst_key_ms']:.0f} ms, {d['log_type_family_pages_read']} pages read"
    )
    for name, ms in d["actions_ms"].items():
        say(f"    {ms:>8.1f} ms  {name}")
    out["monkey"] = []
    for seed, actions in TINY_MONKEY_RUNS if tiny else MONKEY_RUNS:
        m = gui_probe("monkey", data_dir, actions, str(seed))
        out["monkey"].append(m)
        say(f"  monkey {m['summary']}; median action {m['p50_ms']:.0f} ms, {m['over_300_ms']} over 300 ms")
        for label, ms in m["worst15"][:5]:
            say(f"    {ms:>8.1f} ms  {label}")
    worst = max(out["monkey"], key=lambda m: m["worst_action"][1])
    out["monkey_worst"] = worst["worst_action"]
    return out


# --- the whole run ----------------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def prepared(spec: Spec, cache_dir: Path, kdf: Any) -> Casebook:
    started = time.perf_counter()
    casebook = ensure_casebook(spec, cache_dir=cache_dir, kdf=kdf)
    how = (
        f"built in {casebook.build_seconds:.1f} s"
        if casebook.build_seconds is not None
        else f"from cache ({time.perf_counter() - started:.1f} s)"
    )
    say(
        f"  casebook {spec.key}: {casebook.families:,} families, {casebook.entries:,} entries, "
        f"{casebook.referrals:,} referrals, {how}"
    )
    return casebook


def run(sizes: Sizes, runs: int, *, cache_dir: Path, gui: bool, kdf: Any, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "runs": runs}
    say("Machine")
    results["machine"] = machine()
    for key, value in results["machine"].items():
        say(f"  {key}: {value}")
    say("Casebooks")
    large = prepared(sizes.large, cache_dir, kdf)
    wide = prepared(sizes.wide, cache_dir, kdf)
    growth = prepared(sizes.growth, cache_dir, kdf)
    figures: list[Figure] = []

    def add(*found: Figure) -> None:
        for figure in found:
            figures.append(figure)
            say(f"  {figure.name:<52} {figure.median_ms:>9.1f} ms  (max {figure.max_ms:.1f})  {figure.note}")

    say("Service-level figures (large casebook)")
    large_dir = working_copy(large, work)
    add(*measures.measure_unlock(large_dir, runs))
    session = measures.open_session(large_dir)
    try:
        add(measures.measure_save_entry(session, max(runs, 10)))
        add(measures.measure_typeahead(session, runs, f"{large.families:,} families"))
        add(measures.measure_chronology(session, runs))
        add(*measures.measure_log_service(session, runs))
        summary_large = measures.measure_summary(session, runs)
        add(*summary_large)
        export_large = measures.measure_la_export(session, runs, measures.MONTH, work)
        add(export_large)
        add(measures.measure_la_export(session, max(2, runs // 2), measures.FINANCIAL_YEAR, work))
        add(*measures.measure_backup_and_check(session, max(2, runs // 2), work))
    finally:
        session.close()

    say(f"Type-ahead at {wide.families:,} families")
    wide_dir = working_copy(wide, work)
    session = measures.open_session(wide_dir)
    try:
        typeahead_wide = measures.measure_typeahead(session, runs, f"{wide.families:,} families")
        add(typeahead_wide)
    finally:
        session.close()

    say(f"Growth: the same month at {growth.entries:,} and at {large.entries:,} entries, runs alternating")
    growth_dir = working_copy(growth, work)
    small_session = measures.open_session(growth_dir)
    large_session = measures.open_session(large_dir)
    paired: dict[str, list[Figure]] = {"small": [], "large": []}
    try:
        for _ in range(runs):  # alternate, so a busy machine slows both casebooks alike
            for size, session in (("small", small_session), ("large", large_session)):
                pdf = next(f for f in measures.measure_summary(session, 1) if f.name.endswith("PDF"))
                paired[size] += [pdf, measures.measure_la_export(session, 1, measures.MONTH, work)]
    finally:
        small_session.close()
        large_session.close()

    def merged(size: str, index: int, label: str) -> Figure:
        parts = paired[size][index::2]
        extra = {k: statistics.median(p.extra[k] for p in parts) for k in parts[0].extra if k.endswith("_ms")}
        entries = parts[0].extra.get("month_entries", parts[0].extra.get("period_entries"))
        return Figure(
            f"{label} ({size} casebook)", [p.runs_ms[0] for p in parts], f"{entries} entries", extra
        )

    summary_small = merged("small", 0, "growth: monthly summary PDF")
    summary_large_paired = merged("large", 0, "growth: monthly summary PDF")
    export_small = merged("small", 1, "growth: month's LA export")
    export_large_paired = merged("large", 1, "growth: month's LA export")
    add(summary_small, summary_large_paired, export_small, export_large_paired)

    say("SQLCipher against a plain copy of the same data (same SQLite build; system SQLite for reference)")
    today = bench_clock().today()
    ratios = measures.measure_cipher_vs_plain(large_dir, large.plain_db, data_key(large_dir), runs, today)
    results["engines"] = measures.engine_versions(large.plain_db)
    say(f"  {'query':<36} {'SQLCipher':>10} {'plain':>9} {'ratio':>6} {'system':>9} | first run after open")
    for row in ratios:
        say(
            f"  {row['query']:<36} {row['sqlcipher_ms']:>8.2f}ms {row['plain_ms']:>7.2f}ms {row['ratio']:>6.2f} "
            f"{row['system_ms']:>7.2f}ms | {row['sqlcipher_first_ms']:.1f} vs {row['plain_first_ms']:.1f} ms"
            f" ({row['first_ratio']:.2f})"
        )
    results["cipher_vs_plain"] = ratios

    gui_results: dict[str, Any] = {}
    if gui:
        say("Qt (offscreen, each in a new process)")
        starts, bares = [], []
        for _ in range(runs):  # alternate, so a busy machine slows both alike
            starts.append(gui_probe("app", large_dir))
            bares.append(gui_probe("bare", large_dir))
        gui_results["app_start"] = starts
        gui_results["bare_start"] = bares

        def med(rows: list[dict], key: str) -> float:
            return statistics.median(r[key] for r in rows)

        gui_results["summary"] = {
            "app_process_to_main_window_ms": med(starts, "process_to_window_ms"),
            "app_imports_and_qapp_ms": med(starts, "imports_and_qapp_ms"),
            "app_unlock_ms": med(starts, "unlock_ms"),
            "main_window_after_unlock_ms": med(starts, "main_window_after_unlock_ms"),
            "window_shown_after_unlock_ms": med(starts, "window_shown_after_unlock_ms"),
            "bare_process_to_window_ms": med(bares, "process_to_window_ms"),
            "app_peak_rss_mb": med(starts, "peak_rss_mb"),
            "bare_peak_rss_mb": med(bares, "peak_rss_mb"),
        }
        s = gui_results["summary"]
        say(
            f"  app start to main window with figures {s['app_process_to_main_window_ms']:.0f} ms "
            f"(imports + QApplication {s['app_imports_and_qapp_ms']:.0f}, unlock {s['app_unlock_ms']:.0f}, "
            f"window {s['main_window_after_unlock_ms']:.0f}); bare PySide6 window "
            f"{s['bare_process_to_window_ms']:.0f} ms; ratio "
            f"{s['app_process_to_main_window_ms'] / s['bare_process_to_window_ms']:.1f}"
        )
        log = gui_probe("log", large_dir, 20 if sizes is FULL else 2)
        gui_results["log"] = log
        say(
            f"  full log ({log['rows']:,} rows): open {log['open_ms']:.0f} ms, jump to a row median "
            f"{log['jump_median_ms']:.1f} ms (max {log['jump_max_ms']:.1f}), of which reading the page "
            f"{log['fetch_median_ms']:.1f} ms; page down {log['page_down_median_ms']:.1f} ms; "
            f"peak RSS {log['peak_rss_mb']:.0f} MB (resident before the log {log['rss_before_log_mb']:.0f}, "
            f"after the jumps {log['rss_after_jumps_mb']:.0f}), "
            f"tracemalloc peak {log['tracemalloc_peak_mb']:.0f} MB"
        )
        say(
            f"  with 50-row pages instead of {log['page_size']}: jump {log['page50_jump_median_ms']:.1f} ms, "
            f"reading the page {log['page50_fetch_median_ms']:.1f} ms"
        )
        floor = gui_probe("table", large_dir, 20 if sizes is FULL else 2, str(log["rows"]))
        gui_results["table_floor"] = floor
        say(
            f"  floor: a plain QTableView over a trivial model of {floor['rows']:,} rows jumps in "
            f"{floor['jump_median_ms']:.1f} ms (median)"
        )
        chron = gui_probe("chronology", large_dir, runs)
        gui_results["chronology"] = chron
        say(
            f"  family page with {chron['entries']} entries: {chron['median_ms']:.1f} ms "
            f"(max {max(chron['runs_ms']):.1f}) including painting"
        )
        say("Responsiveness (issue 25): Qt defaults on the big lists and the seeded monkey")
        gui_results["responsiveness"] = responsiveness(working_copy(large, work), tiny=sizes is TINY)
    results["gui"] = gui_results
    results["figures"] = [f.as_dict() for f in figures]

    by_name = {f.name: f for f in figures}
    summary_pdf_large = next(f for f in summary_large if f.name.endswith("PDF"))
    unlock = by_name["unlock"]
    kdf_mib = unlock.extra.get("kdf_memory_kib", 0) / 1024
    s = gui_results.get("summary", {})
    log = gui_results.get("log", {})
    targets = [
        Target(
            f"unlock (Argon2id {kdf_mib:.0f} MiB) + open",
            unlock.max_ms if kdf_mib >= 64 else None,
            1000,
            how="slowest of the runs; Argon2id must use 64 MiB or more",
        ),
        Target(
            "main window after unlock (dashboard figures shown)", s.get("main_window_after_unlock_ms"), 1500
        ),
        Target("saving one entry", by_name["save one quick-log entry"].median_ms, 20),
        Target(
            f"type-ahead at {wide.families:,} families (slowest query)",
            max(typeahead_wide.extra["per_query_ms"].values()),
            30,
        ),
        Target(
            "chronology of ~500 entries (family page)",
            (gui_results.get("chronology") or {}).get("median_ms"),
            100,
        ),
        Target("any row of the full log (jump, painted)", log.get("jump_median_ms"), 30),
        Target("any row of the full log (reading its page)", log.get("fetch_median_ms"), 30),
        Target("full log peak memory (RSS)", log.get("peak_rss_mb"), 300, "MB"),
        Target("monthly summary (figures + PDF)", summary_pdf_large.median_ms, 2000),
        Target("a month's LA export", export_large.median_ms, 1000),
        Target("SQLCipher / plain, worst hot query (warm)", max(r["ratio"] for r in ratios), 1.5, "x"),
        Target(
            "summary at 250k / at 25k entries",
            summary_large_paired.median_ms / summary_small.median_ms,
            1.5,
            "x",
        ),
        Target(
            "month's LA export at 250k / at 25k",
            export_large_paired.median_ms / export_small.median_ms,
            1.5,
            "x",
        ),
        Target(
            "month's LA counting (its SQL) at 250k / at 25k",
            export_large_paired.extra["count_ms"] / export_small.extra["count_ms"],
            1.5,
            "x",
        ),
        *responsiveness_targets(gui_results.get("responsiveness")),
    ]
    say("Targets")
    for t in targets:
        value = "-" if t.value is None else f"{t.value:.2f} {t.unit}"
        say(f"  {t.verdict:<5} {t.label:<56} {value:>12}  (target < {t.limit:g} {t.unit})")
    results["targets"] = [
        {"label": t.label, "value": t.value, "limit": t.limit, "unit": t.unit, "verdict": t.verdict}
        for t in targets
    ]
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def responsiveness_targets(found: dict[str, Any] | None) -> list[Target]:
    found = found or {}
    defaults = found.get("defaults") or {}
    monkey = found.get("monkey_worst")
    return [
        Target(
            "any Qt default on a big list (typing, header, select-all, copy, sizing)",
            (defaults.get("worst_action") or [None, None])[1],
            300,
            how="the worst of every action, each timed by the event-loop watchdog",
        ),
        Target("monkey: the worst action's latency", monkey[1] if monkey else None, 300),
    ]


def responsiveness_markdown(found: dict[str, Any]) -> list[str]:
    d = found["defaults"]
    lines = [
        "",
        f"| Qt default on a big list ({d['log_rows']:,} log rows) | ms (UI thread held) |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in d["actions_ms"].items()]
    lines.append(
        f"| log: typing a family reference, worst key ({d['log_type_family_pages_read']} pages read) "
        f"| {d['worst_key_ms']:.1f} |"
    )
    for m in found["monkey"]:
        lines += [
            "",
            f"Monkey, seed {m['seed']}: {m['actions']} actions in {m['seconds']:.0f} s, median action "
            f"{m['p50_ms']:.0f} ms, {m['over_300_ms']} over 300 ms, worst {m['worst_action'][1]:.0f} ms "
            f"({m['worst_action'][0]}); {m['locks']} locks, {m['hides']} hides, {m['quick_log_checks']} "
            f"quick-log checks, {len(m['unexpected'])} unexpected errors, {len(m['quick_log_lost'])} "
            "quick-log texts lost.",
        ]
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The run's tables in Markdown, for docs/performance.md."""
    m = results["machine"]
    lines = [
        f"Run {results['started']} to {results['finished']}, median of {results['runs']} runs. "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, SQLCipher {m['sqlcipher']}, "
        f"PySide6 {m['pyside6']} (Qt {m['qt']}); load average at start {m['load_average_at_start'][0]:.2f}, "
        f"at end {m['load_average_at_end'][0]:.2f}.",
        "",
        "| target | measured | target | verdict |",
        "|---|---:|---:|---|",
    ]
    for t in results["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.2f} {t['unit']}"
        lines.append(f"| {t['label']} | {value} | < {t['limit']:g} {t['unit']} | {t['verdict']} |")
    lines += ["", "| figure | median ms | max ms | runs | note |", "|---|---:|---:|---:|---|"]
    for f in results["figures"]:
        lines.append(
            f"| {f['name']} | {f['median_ms']:.1f} | {f['max_ms']:.1f} | {f['runs']} | {f['note']} |"
        )
    gui = results.get("gui") or {}
    if gui:
        s, log, floor, chron = gui["summary"], gui["log"], gui["table_floor"], gui["chronology"]
        lines += [
            "",
            "| Qt (offscreen, new process each) | ms |",
            "|---|---:|",
            f"| app: process start to main window with dashboard figures | {s['app_process_to_main_window_ms']:.0f} |",
            f"| of which imports and QApplication | {s['app_imports_and_qapp_ms']:.0f} |",
            f"| of which unlock (Argon2id 64 MiB + open) | {s['app_unlock_ms']:.0f} |",
            f"| of which main window until dashboard figures | {s['main_window_after_unlock_ms']:.0f} |",
            f"| bare PySide6: process start to an empty window (the floor) | {s['bare_process_to_window_ms']:.0f} |",
            f"| full log ({log['rows']:,} rows): open the Log screen | {log['open_ms']:.0f} |",
            f"| full log: jump to a row, painted (median / max) | {log['jump_median_ms']:.1f} / {log['jump_max_ms']:.1f} |",
            f"| full log: of which reading the row's page (median / max) | {log['fetch_median_ms']:.1f} / {log['fetch_max_ms']:.1f} |",
            f"| full log: page down | {log['page_down_median_ms']:.1f} |",
            f"| full log with 50-row pages: jump / reading | {log['page50_jump_median_ms']:.1f} / "
            f"{log['page50_fetch_median_ms']:.1f} |",
            f"| floor: plain QTableView, trivial model, same rows: jump | {floor['jump_median_ms']:.1f} |",
            f"| family page, {chron['entries']} entries, painted | {chron['median_ms']:.1f} |",
            "",
            f"Memory: peak RSS {log['peak_rss_mb']:.0f} MB in the process that opened the full log and jumped "
            f"about (resident {log['rss_before_log_mb']:.0f} MB before opening the log, "
            f"{log['rss_after_jumps_mb']:.0f} MB after the jumps; the peak is reached during unlock, when "
            f"Argon2id takes its 64 MiB). App start alone peaks at {s['app_peak_rss_mb']:.0f} MB, a bare "
            f"PySide6 window at {s['bare_peak_rss_mb']:.0f} MB. Python allocations while jumping peak at "
            f"{log['tracemalloc_peak_mb']:.1f} MB (tracemalloc).",
        ]
    if gui.get("responsiveness"):
        lines += responsiveness_markdown(gui["responsiveness"])
    lines += [
        "",
        "| hot query | SQLCipher ms | plain ms | ratio | system SQLite ms | first run: SQLCipher / plain ms | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["cipher_vs_plain"]:
        lines.append(
            f"| {r['query']} | {r['sqlcipher_ms']:.2f} | {r['plain_ms']:.2f} | {r['ratio']:.2f} | {r['system_ms']:.2f} "
            f"| {r['sqlcipher_first_ms']:.1f} / {r['plain_first_ms']:.1f} | {r['first_ratio']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is reported)")
    parser.add_argument("--tiny", action="store_true", help="tiny casebooks (checks the code, not speed)")
    parser.add_argument("--no-gui", action="store_true", help="skip the Qt measurements")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    parser.add_argument("--fast-kdf", action="store_true", help="TEST ONLY: cheap key derivation")
    parser.add_argument(
        "--responsiveness-only",
        action="store_true",
        help="only issue 25's figures on the large casebook: Qt defaults on big lists and the monkey",
    )
    args = parser.parse_args(argv)
    from setting_app.storage.keyslots import PRODUCTION_KDF, TEST_ONLY_FAST_KDF

    kdf = TEST_ONLY_FAST_KDF if args.fast_kdf else PRODUCTION_KDF
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    work = measures.scratch_dir()
    if args.responsiveness_only:
        try:
            sizes = TINY if args.tiny else FULL
            results = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
            say("Responsiveness (issue 25)")
            large = prepared(sizes.large, args.cache_dir, kdf)
            found = responsiveness(working_copy(large, work), tiny=args.tiny)
            results["gui"] = {"responsiveness": found}
            targets = responsiveness_targets(found)
            for t in targets:
                value = "-" if t.value is None else f"{t.value:.2f} {t.unit}"
                say(f"  {t.verdict:<5} {t.label:<72} {value:>12}  (target < {t.limit:g} {t.unit})")
            results["targets"] = [
                {"label": t.label, "value": t.value, "limit": t.limit, "unit": t.unit, "verdict": t.verdict}
                for t in targets
            ]
            results["machine"]["load_average_at_end"] = os.getloadavg()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        out = (
            args.out or args.cache_dir / f"responsiveness-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        )
        out.write_text(json.dumps(results, indent=2, default=str))
        say(f"Results written to {out}")
        if args.markdown:
            args.markdown.write_text("\n".join(responsiveness_markdown(found)) + "\n")
        return 0
    try:
        results = run(
            TINY if args.tiny else FULL,
            max(1, args.runs),
            cache_dir=args.cache_dir,
            gui=not args.no_gui,
            kdf=kdf,
            work=work,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = args.out or args.cache_dir / f"results-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"Results written to {out}")
    if args.markdown:
        args.markdown.write_text(markdown(results))
        say(f"Markdown tables written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
