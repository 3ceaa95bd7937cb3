"""Packaging: the path helper from source and in a simulated frozen bundle, the version in one place,
and the packaging files agreeing with each other (PyInstaller itself is too slow for the suite: run
``bash packaging/build-linux.sh`` for the real build and its smoke tests)."""

from __future__ import annotations

import configparser
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest

import setting_app
from setting_app import paths
from setting_app.services.casebook import create_casebook
from setting_app.storage import migrations
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, fixed_clock, setting_details

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.familysupportlog.FamilySupportLog"
DESKTOP = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"
ISS = PACKAGING / "windows" / "setting_app.iss"
SPEC = PACKAGING / "setting_app.spec"


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


# --- the path helper ---------------------------------------------------------------------------


def test_from_source_the_bundle_root_is_the_repository() -> None:
    assert not paths.is_frozen()
    assert paths.bundle_root() == ROOT
    assert paths.migrations_dir() == ROOT / "migrations"
    assert paths.resource_path("icon.svg") == ROOT / "resources" / "icon.svg"
    assert paths.resource_path("icon.svg").is_file()
    assert migrations.available_migrations()[0].path == ROOT / "migrations" / "0001_initial.sql"


@pytest.fixture
def frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PyInstaller-like one-folder layout: data in ``_internal`` and ``sys._MEIPASS`` pointing there.

    It carries one migration more than the source tree, and its own version, so a test can tell that
    the bundle (not the repository) was used.
    """
    bundle = tmp_path / "setting-app" / "_internal"
    bundle.mkdir(parents=True)
    shutil.copytree(ROOT / "migrations", bundle / "migrations")
    shutil.copytree(ROOT / "resources", bundle / "resources")
    marker = len(list((ROOT / "migrations").glob("*.sql"))) + 1
    (bundle / "migrations" / f"{marker:04d}_frozen_marker.sql").write_text(
        "CREATE TABLE frozen_marker (id INTEGER PRIMARY KEY);\n", encoding="utf-8"
    )
    (bundle / "pyproject.toml").write_text('[project]\nname = "setting-app"\nversion = "9.8.7"\n')
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def test_frozen_the_helper_finds_the_bundled_files(frozen_bundle: Path) -> None:
    assert paths.is_frozen()
    assert paths.bundle_root() == frozen_bundle
    assert paths.migrations_dir() == frozen_bundle / "migrations"
    assert paths.resource_path("icon.svg") == frozen_bundle / "resources" / "icon.svg"
    assert paths.resource_path("icon.svg").is_file()
    found = migrations.available_migrations()
    assert found[-1].name == "frozen_marker"
    assert all(m.path.parent == frozen_bundle / "migrations" for m in found)


def test_frozen_a_new_casebook_is_built_from_the_bundled_migrations(
    frozen_bundle: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    created = create_casebook(
        data_dir, setting_details(), "manager", "", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock()
    )
    try:
        conn = created.session.conn
        latest = migrations.latest_version()
        assert migrations.current_version(conn) == latest
        assert conn.execute("SELECT count(*) FROM frozen_marker").fetchone()[0] == 0
    finally:
        created.session.close()
    # The casebook is encrypted: plain SQLite cannot read it.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(data_dir / "casebook.db").execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_frozen_by_another_freezer_the_data_sits_beside_the_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    executable = tmp_path / "app" / "setting-app"
    executable.parent.mkdir()
    executable.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    assert paths.bundle_root() == executable.parent
    assert paths.migrations_dir() == executable.parent / "migrations"


def test_only_the_path_helper_locates_files_from_its_own_location() -> None:
    """Everything else must ask paths.py, or it would look in the wrong place when frozen."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "setting_app").rglob("*.py")
        if path.name != "paths.py" and re.search(r"__file__|_MEIPASS", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- the version -------------------------------------------------------------------------------


def test_the_version_is_the_one_in_pyproject() -> None:
    assert setting_app.__version__ == project_version()


def test_frozen_the_version_comes_from_the_bundled_pyproject(frozen_bundle: Path) -> None:
    assert setting_app._read_version() == "9.8.7"


def test_without_a_pyproject_the_version_comes_from_the_installed_metadata(frozen_bundle: Path) -> None:
    (frozen_bundle / "pyproject.toml").unlink()
    assert setting_app._read_version() == metadata.version("setting-app")


def test_a_pyproject_of_another_project_is_not_taken_for_ours(frozen_bundle: Path) -> None:
    (frozen_bundle / "pyproject.toml").write_text('[project]\nname = "something-else"\nversion = "1.2.3"\n')
    assert setting_app._read_version() == metadata.version("setting-app")


def test_version_option_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from setting_app.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"setting-app {project_version()}"


def test_python_dash_m_prints_the_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "setting_app", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"setting-app {project_version()}"


# --- the packaging files agree -----------------------------------------------------------------


def test_spec_reads_the_version_and_bundles_what_the_helper_looks_for() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    assert 'tomllib.load(handle)["project"]["version"]' in spec
    assert not re.search(r"\b\d+\.\d+\.\d+\b", spec), "no version number written in the spec"
    for data in ('"pyproject.toml"), ".")', '"migrations"), "migrations")', '"resources"), "resources")'):
        assert data in spec
    assert 'collect_submodules("setting_app")' in spec  # modules loaded by name at run time
    for script in re.findall(r'analysis\("([^"]+)"\)', spec):
        assert (PACKAGING / script).is_file()
    assert set(re.findall(r'name="([^"]+)", console=', spec)) == {"setting-app", "FamilySupportLog"}


def test_inno_setup_script_matches_the_build() -> None:
    iss = ISS.read_text(encoding="utf-8")
    code = "\n".join(line for line in iss.splitlines() if not line.lstrip().startswith(";"))
    assert "#ifndef AppVersion" in code and "#error" in code
    assert not re.search(r"\b\d+\.\d+\.\d+\b", code), "the version must come from /DAppVersion"
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", code, re.MULTILINE)
    windowed = re.search(r'name="([^"]+)", console=False', SPEC.read_text(encoding="utf-8")).group(1)
    assert f'#define AppExe "{windowed}.exe"' in code
    assert '#define BuildDir "..\\dist\\setting-app"' in code
    icon = re.search(r"^SetupIconFile=(.+)$", code, re.MULTILINE).group(1)
    assert (ISS.parent / icon.replace("\\", "/")).resolve().is_file()
    assert "PrivilegesRequired=lowest" in code
    # Uninstalling or upgrading never deletes casebooks by itself: only the install folder is touched
    # (the one question that can delete them is checked in tests/test_windows_installer.py).
    assert not re.search(r"^\[UninstallDelete\]", code, re.MULTILINE)
    setup_sections = code.split("\n[Code]")[0].lower()
    assert "{localappdata}" not in setup_sections and "{userappdata}" not in setup_sections
    install_delete = code.split("[InstallDelete]")[1].split("\n[")[0]
    assert re.findall(r'Name: "([^"]+)"', install_delete) == ["{app}\\_internal"]


def test_windows_icon_holds_the_sizes_windows_needs() -> None:
    data = (PACKAGING / "icons" / "setting-app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for index in range(count):
        width, _height, _colours, _zero, _planes, _bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
        sizes.add(width or 256)
    assert {16, 32, 48, 256} <= sizes


def test_desktop_file_launches_the_app_with_an_icon_that_is_installed() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] == "setting-app"
    assert desktop["Terminal"] == "false"
    for size in (16, 32, 48, 256):
        assert (
            PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{desktop['Icon']}.png"
        ).is_file()


def test_metainfo_names_the_desktop_file_and_the_current_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "MIT"
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == project_version()


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli is not installed")
def test_metainfo_passes_appstream_validation() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed"
)
def test_desktop_file_passes_validation() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout


def test_build_output_is_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "packaging/dist/" in ignored and "packaging/build/" in ignored
