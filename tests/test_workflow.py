"""The CI workflow's shape: the jobs and steps the project relies on are there, on the right runners,
and every script it calls exists here (and is tested here: .ci/run, packaging/smoke_test.py,
packaging/windows/install_test.py). GitHub Actions itself cannot run on this machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML comes with frictionless, a test dependency

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _runs(workflow: dict, job: str) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow, job))


def test_it_runs_on_pushes_pull_requests_and_by_hand(workflow: dict) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers)
    assert workflow["permissions"] == {"contents": "read"}  # it needs nothing more
    assert "secrets." not in WORKFLOW.read_text(encoding="utf-8")


def test_the_tests_run_on_linux_windows_and_macos(workflow: dict) -> None:
    runners = {name: job["runs-on"] for name, job in workflow["jobs"].items()}
    assert runners["tests-linux"] == "ubuntu-latest"
    assert runners["tests-windows"] == "windows-latest"
    assert runners["tests-macos"] == "macos-latest"
    assert "bash .ci/run" in _runs(workflow, "tests-linux")  # the README's own command
    for job in ("tests-windows", "tests-macos"):
        assert "python -m pytest" in _runs(workflow, job)
        assert 'pip install -qq -e ".[test]"' in _runs(workflow, job)
        assert "poppler" in _runs(workflow, job)  # pdftotext and pdfinfo, which tests call


def test_the_python_is_the_one_the_project_supports(workflow: dict) -> None:
    version = workflow["env"]["PYTHON_VERSION"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "requires-python"
    ]
    assert requires == ">=3.11" and version == "3.11"
    for name, job in workflow["jobs"].items():
        setup = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
        assert setup and setup[0]["with"]["python-version"] == "${{ env.PYTHON_VERSION }}", name


def test_the_installer_job_builds_installs_smoke_tests_uninstalls_and_keeps_it(workflow: dict) -> None:
    job = workflow["jobs"]["windows-installer"]
    assert job["runs-on"] == "windows-latest"
    assert "needs" not in job  # an installer is made even if a unit test fails elsewhere
    names = [step.get("name", step.get("uses", "")) for step in job["steps"]]
    order = [
        "Build the one-folder app (PyInstaller)",
        "Smoke-test the build",
        "Build the installer (Inno Setup)",
        "Install silently, smoke-test the installed app, reinstall, uninstall",
        "Keep the installer",
    ]
    assert [name for name in names if name in order] == order
    by_name = {step.get("name"): step for step in job["steps"]}
    assert "PyInstaller packaging/setting_app.spec" in by_name[order[0]]["run"]
    assert "packaging/smoke_test.py packaging/dist/setting-app" in by_name[order[1]]["run"]
    iscc = by_name[order[2]]["run"]
    assert "ISCC.exe" in iscc and '"/DAppVersion=${{ steps.version.outputs.version }}"' in iscc
    assert "packaging\\windows\\setting_app.iss" in iscc
    assert "packaging/windows/install_test.py" in by_name[order[3]]["run"]
    upload = by_name[order[4]]
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["if-no-files-found"] == "error"
    assert "if" not in upload  # only an installer that passed every step is kept


def test_the_artifact_is_the_file_inno_setup_writes(workflow: dict) -> None:
    iss = (ROOT / "packaging" / "windows" / "setting_app.iss").read_text(encoding="utf-8")
    output_dir = re.search(r"^OutputDir=(.+)$", iss, re.MULTILINE).group(1)
    base = re.search(r"^OutputBaseFilename=(.+)$", iss, re.MULTILINE).group(1)
    assert output_dir == "..\\dist"  # packaging\dist, beside the PyInstaller build
    expected = (
        "packaging/dist/" + base.replace("{#AppVersion}", "${{ steps.version.outputs.version }}") + ".exe"
    )
    upload = next(s for s in _steps(workflow, "windows-installer") if s.get("name") == "Keep the installer")
    assert upload["with"]["path"] == expected
    install = next(s for s in _steps(workflow, "windows-installer") if "install_test.py" in s.get("run", ""))
    assert expected in install["run"]


def test_every_script_the_workflow_calls_is_in_the_repository(workflow: dict) -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    called = set(re.findall(r"(?:\.ci/\w+|packaging[/\\][\w/\\.-]+\.(?:py|spec|iss))", text))
    assert {".ci/run", "packaging/smoke_test.py", "packaging/windows/install_test.py"} <= called
    for path in called:
        assert (ROOT / path.replace("\\", "/")).is_file(), path


def test_actions_are_pinned_to_a_major_version(workflow: dict) -> None:
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), (name, step["uses"])
        assert job["timeout-minutes"] <= 60, name
