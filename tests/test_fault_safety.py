"""Faults outside the app's control: a disk that refuses writes, and a casebook on a network share.

A failing disk is made real with ``RLIMIT_FSIZE`` (with SIGXFSZ ignored, a write past the limit fails
with EFBIG, as a full disk fails with ENOSPC), never with a mock. A second instance refusing is in
``test_instance_lock.py``.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PureWindowsPath

import pytest

from setting_app.domain.errors import AppError
from setting_app.domain.models import Carer, NewFamily
from setting_app.services import casebook, families, support_log
from setting_app.storage import database
from setting_app.storage.database import WriteFailed, network_share_warning
from setting_app.storage.entry_repo import EntryFilter
from tests.conftest import PASSPHRASE, posix_only

try:
    import resource
except ImportError:  # Windows: the tests that need it are skipped there
    resource = None

FSIZE_REASON = "a file-size limit (resource.RLIMIT_FSIZE with SIGXFSZ) is POSIX only"
MOUNTS_REASON = "reads a Linux mount table; on Windows a UNC path or a mapped drive is named instead"

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import io, json, resource, signal, sys
    from datetime import UTC, datetime
    from setting_app.cli import main
    from setting_app.domain.clock import FixedClock
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

    data_dir, limit = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    acknowledged, failure = [], None
    for i in range(300):
        out, err = io.StringIO(), io.StringIO()
        code = main(
            ["--data-dir", data_dir, "--user", "manager", "log", "add", "--family", "FAM-0001",
             "--domain", "child_development", "--minutes", "15", "--note", f"entry {i} " + "n" * 3000],
            kdf=TEST_ONLY_FAST_KDF, clock=clock, out=out, err=err,
        )
        if code != 0:
            failure = {"code": code, "err": err.getvalue(), "out": out.getvalue()}
            break
        acknowledged.append(int(out.getvalue().strip()))
    print(json.dumps({"acknowledged": acknowledged, "failure": failure}))
    """
)


@posix_only(reason=FSIZE_REASON)
def test_a_disk_that_refuses_writes_gives_a_plain_error_and_loses_nothing_acknowledged(
    cli, tmp_path: Path
) -> None:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Jo Example", "--opened", "2026-01-05").code == 0
    largest = max(p.stat().st_size for p in cli.data_dir.iterdir() if p.is_file())
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SETTING_APP_PASSPHRASE": PASSPHRASE,
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "home" / "share"),
    }
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(cli.data_dir), str(largest + 200_000)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    failure = report["failure"]
    assert failure is not None, "the file-size limit was never reached"
    assert len(report["acknowledged"]) >= 3  # some saves fitted before the limit
    assert failure["code"] == 1
    assert failure["err"].startswith("setting-app: The casebook could not be saved to the disk")
    assert len(failure["err"].strip().splitlines()) == 1
    assert "Traceback" not in failure["err"] + run.stderr
    assert not list((tmp_path / "home").rglob("errors.log"))  # not treated as a crash

    # Reopened without manual steps: every acknowledged entry there, nothing half-saved, integrity ok.
    session = casebook.unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock)
    try:
        saved = support_log.list_entries(session, EntryFilter())
        assert sorted(e.id for e in saved) == sorted(report["acknowledged"])
        assert casebook.check_casebook(session) == []
    finally:
        session.close()


@contextmanager
def refused_writes() -> Iterator[None]:
    """Every file write of this process past byte 1 fails (EFBIG), until the block ends."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _family(session) -> int:
    return families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5), (Carer("Jo Example"),))).id


@posix_only(reason=FSIZE_REASON)
def test_a_refused_write_is_an_app_error_and_the_session_carries_on(session) -> None:
    from setting_app.domain.codes import Domain
    from setting_app.domain.models import NewEntry

    family_id = _family(session)
    entry = NewEntry(family_id, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, 20, note="kept " * 500)
    with refused_writes(), pytest.raises(WriteFailed) as caught:
        support_log.log_entry(session, entry)
    assert isinstance(caught.value, AppError) and isinstance(caught.value, database.OperationalError)
    assert not session.conn.in_transaction
    assert support_log.list_entries(session, EntryFilter()) == []
    saved = support_log.log_entry(session, entry)  # the same session works once the disk does
    assert [e.id for e in support_log.list_entries(session, EntryFilter())] == [saved.id]


@posix_only(reason=FSIZE_REASON)
def test_quick_log_keeps_the_unsaved_text_when_the_disk_refuses(qtbot, session) -> None:
    from setting_app.domain.codes import Domain

    from setting_app.ui.context import AppContext
    from setting_app.ui.dialogs.quick_log_dialog import QuickLogDialog

    family_id = _family(session)
    dialog = QuickLogDialog(AppContext(session, session.clock), family_id)
    qtbot.addWidget(dialog)
    dialog.select_domain(Domain.FAMILY_WELLBEING)
    dialog.minutes.setValue(35)
    typed = "Talked through the sleep plan; mum to try it for a week. " * 20
    dialog.note.setPlainText(typed)

    with refused_writes():
        assert dialog.save() is None
    assert dialog.note.toPlainText() == typed
    assert dialog.family_id == family_id and dialog.domain is Domain.FAMILY_WELLBEING
    assert dialog.minutes.value() == 35
    assert "could not be saved to the disk" in dialog.errors.general.text()
    assert support_log.list_entries(session, EntryFilter()) == []

    saved = dialog.save()  # the disk is back: the same text saves
    assert saved is not None and saved.note.strip() == typed.strip()


# --- network shares -------------------------------------------------------------------------------


def _mounts(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "mounts"
    path.write_text("\n".join(lines) + "\n")
    return path


@posix_only(reason=MOUNTS_REASON)
def test_a_data_folder_on_a_network_share_is_named(tmp_path: Path) -> None:
    share = tmp_path / "share"
    local = share / "local disk"
    (local / "data").mkdir(parents=True)
    escaped = str(local).replace(" ", "\\040")
    mounts = _mounts(
        tmp_path,
        [
            "/dev/sda1 / ext4 rw,relatime 0 0",
            f"server:/export {share} nfs4 rw,relatime 0 0",
            f"/dev/sdb1 {escaped} ext4 rw 0 0",
        ],
    )
    warning = network_share_warning(share / "casebook", mounts=mounts)  # not made yet: its parent counts
    assert warning is not None and "network share (nfs4)" in warning and str(share / "casebook") in warning
    assert network_share_warning(local / "data", mounts=mounts) is None  # a local disk mounted inside
    assert network_share_warning(tmp_path / "elsewhere", mounts=mounts) is None
    for fs_type in ("cifs", "smb3", "fuse.sshfs", "sshfs", "9p"):
        other = _mounts(tmp_path, [f"//server/share {share} {fs_type} rw 0 0"])
        assert fs_type in (network_share_warning(share, mounts=other) or "")
    assert network_share_warning(share, mounts=tmp_path / "no-such-file") is None


def test_windows_unc_paths_are_named() -> None:
    unc = PureWindowsPath(r"\\nursery-server\records\FamilySupportLog")
    assert "UNC" in (network_share_warning(unc, platform="win32") or "")
    assert network_share_warning(PureWindowsPath(r"C:\Users\mina\AppData"), platform="win32") is None


@posix_only(reason=MOUNTS_REASON)
def test_cli_and_app_warn_about_a_network_share(cli, tmp_path: Path, monkeypatch) -> None:
    cli.data_dir.mkdir(parents=True)
    mounts = _mounts(tmp_path, [f"server:/x {cli.data_dir} nfs rw 0 0"])
    monkeypatch.setattr(
        database, "network_share_warning", functools.partial(network_share_warning, mounts=mounts)
    )
    result = cli.init()
    assert result.code == 0
    assert result.err.count("warning:") == 1 and "network share (nfs)" in result.err

    from setting_app.ui.app import warn_if_network_share

    shown: list[str] = []
    assert warn_if_network_share(cli.data_dir, mounts=mounts, show=shown.append)
    assert len(shown) == 1 and "network share" in shown[0]
    assert warn_if_network_share(tmp_path / "local", mounts=mounts, show=shown.append) is None
    assert len(shown) == 1
