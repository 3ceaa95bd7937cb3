"""Dialogs: one per module (unlock, first-run wizard, recovery code, quick log, family, ...)."""
