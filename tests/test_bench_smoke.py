"""The benchmark's own code, run end to end on tiny casebooks so it cannot rot (no timing is judged)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``bench`` lives beside the package, not inside it
    sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402
from bench.casebooks import PLAIN_NAME  # noqa: E402


def test_benchmark_runs_on_tiny_casebooks_and_reports_every_target(tmp_path: Path, capsys) -> None:
    out = tmp_path / "results.json"
    code = run.main(
        [
            "--tiny",
            "--runs",
            "1",
            "--fast-kdf",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--out",
            str(out),
            "--markdown",
            str(tmp_path / "tables.md"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())

    assert {"cpu", "cores", "python", "sqlcipher", "qt"} <= set(results["machine"])
    labels = [t["label"] for t in results["targets"]]
    assert len(labels) == 16
    for target in results["targets"]:
        assert target["verdict"] in {"PASS", "MISS", "n/a"}
        assert f"{target['verdict']:<5} {target['label']}" in printed
    # only the unlock target is left unjudged, because the fast test KDF is not Argon2id at 64 MiB
    assert [t["label"] for t in results["targets"] if t["verdict"] == "n/a"] == [labels[0]]

    names = {f["name"] for f in results["figures"]}
    for wanted in ("unlock", "save one quick-log entry", "backup", "check (integrity + audit chain)"):
        assert wanted in names
    assert len(results["cipher_vs_plain"]) >= 10
    assert all(row["plain_ms"] > 0 and row["ratio"] > 0 for row in results["cipher_vs_plain"])

    gui = results["gui"]
    assert gui["log"]["rows"] > 0 and gui["log"]["jump_median_ms"] > 0
    assert gui["chronology"]["entries"] > 0
    assert gui["table_floor"]["jump_median_ms"] > 0
    assert gui["summary"]["bare_process_to_window_ms"] > 0

    # every probe that opens the app ran under the event-loop watchdog
    assert gui["log"]["ui_worst_gap_ms"] > 0 and "ui_stall_count" in gui["chronology"]
    found = gui["responsiveness"]
    assert found["defaults"]["log_rows"] > 0 and found["defaults"]["actions_ms"]
    assert found["monkey"][0]["actions"] > 0 and found["monkey"][0]["unexpected"] == []

    tables = (tmp_path / "tables.md").read_text()
    assert "| saving one entry |" in tables and "| log count |" in tables

    # the plain copy really is unencrypted SQLite with the same rows
    plain = next((tmp_path / "cache").glob(f"demo-f30-*/{PLAIN_NAME}"))
    conn = sqlite3.connect(plain)
    try:
        assert conn.execute("SELECT count(*) FROM support_entries").fetchone()[0] > 0
    finally:
        conn.close()
