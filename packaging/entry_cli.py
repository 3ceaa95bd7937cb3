"""Frozen entry point for ``setting-app`` (a console program: every command, and the GUI by default)."""

import sys

from setting_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
