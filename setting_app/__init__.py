"""Family Support Log (setting_app): an encrypted record of family support in early years settings."""

from __future__ import annotations


def _read_version() -> str:
    """The version lives in pyproject.toml; installed, frozen or from source, read it from there."""
    from importlib import metadata

    try:
        return metadata.version("setting-app")
    except metadata.PackageNotFoundError:
        pass
    import tomllib

    from setting_app.paths import bundle_root

    try:
        with (bundle_root() / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"


__version__ = _read_version()
