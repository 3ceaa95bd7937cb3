"""Family Support Log (setting_app): an encrypted record of family support in early years settings."""

from __future__ import annotations

DISTRIBUTION = "setting-app"


def _read_version() -> str:
    """The version lives only in pyproject.toml.

    From source and frozen, read the file itself (the frozen bundle carries a copy), so a version
    bump shows at once even under a stale editable install; an installed wheel has no
    pyproject.toml beside it and answers from its metadata, which was built from the same file.
    """
    import tomllib

    from setting_app.paths import pyproject_path

    try:
        with pyproject_path().open("rb") as handle:
            project = tomllib.load(handle)["project"]
        if project.get("name") == DISTRIBUTION:
            return str(project["version"])
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        pass
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0.0.0"


__version__ = _read_version()
