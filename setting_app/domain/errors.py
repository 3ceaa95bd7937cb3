"""Failures people can act on. Each carries a plain-English message and never a traceback.

Anything else that goes wrong is a bug: the CLI and the desktop app show a reference instead.
"""

from __future__ import annotations


class AppError(Exception):
    """An expected failure with a message fit to show a member of staff."""

    @property
    def message(self) -> str:
        return str(self)


class ValidationError(AppError):
    """Input that breaks a rule; names the field so forms can flag it beside the field."""

    def __init__(self, field: str, problem: str, *, where: str = "") -> None:
        self.field = field
        self.problem = problem
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}: {problem}")


class NotFound(AppError):
    pass


class AlreadyExists(AppError):
    pass


class PermissionDenied(AppError):
    pass


class UnlockError(AppError):
    """Base for the reasons a casebook could not be opened."""


class PassphraseNotRecognised(UnlockError):
    def __init__(self) -> None:
        super().__init__("Passphrase not recognised. Check it and try again.")


class RecoveryCodeNotRecognised(UnlockError):
    def __init__(self) -> None:
        super().__init__("Recovery code not recognised. Check it and try again.")


class UnknownUser(UnlockError):
    pass


class KeySlotDamaged(UnlockError):
    pass


class NoCasebook(UnlockError):
    pass


class NotACasebook(UnlockError):
    pass


class CasebookDamaged(UnlockError):
    pass


class CasebookTooNew(UnlockError):
    pass


class CasebookBusy(AppError):
    def __init__(self) -> None:
        super().__init__(
            "The casebook is busy: someone else is saving at this moment. Nothing was lost; try again."
        )


class ImportRejected(AppError):
    """A whole import refused; nothing was written."""
