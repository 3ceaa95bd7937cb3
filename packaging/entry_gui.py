"""Frozen entry point for the desktop app without a console window (Windows shortcuts use this one).

A windowed Windows executable has no stdout or stderr (``sys.stdout is None``): give them somewhere
harmless to go so a stray print cannot crash the app. With no arguments ``main`` opens the GUI.
"""

import os
import sys

from setting_app.cli import main

if __name__ == "__main__":
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    sys.exit(main())
