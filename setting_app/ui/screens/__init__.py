"""The screens of the main window, in navigation order.

The main window imports each by name (``importlib``); a screen whose module or class is not there
yet shows as a plain "Coming soon" page, so the app runs while screens are still being written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    label: str
    module: str
    cls: str
    managers_only: bool = False
    shortcut: str = ""


NAVIGATION: tuple[ScreenSpec, ...] = (
    ScreenSpec(
        "dashboard", "Dashboard", "setting_app.ui.screens.dashboard", "DashboardScreen", shortcut="Alt+1"
    ),
    ScreenSpec("families", "Families", "setting_app.ui.screens.families", "FamiliesScreen", shortcut="Alt+2"),
    ScreenSpec("log", "Log", "setting_app.ui.screens.log", "LogScreen", shortcut="Alt+3"),
    ScreenSpec(
        "referrals", "Referrals", "setting_app.ui.screens.referrals", "ReferralsScreen", shortcut="Alt+4"
    ),
    ScreenSpec(
        "reports",
        "Reports",
        "setting_app.ui.screens.reports",
        "ReportsScreen",
        managers_only=True,
        shortcut="Alt+5",
    ),
    ScreenSpec(
        "records",
        "Records",
        "setting_app.ui.screens.records_privacy",
        "RecordsScreen",
        managers_only=True,
        shortcut="Alt+6",
    ),
    ScreenSpec("settings", "Settings", "setting_app.ui.screens.settings", "SettingsScreen", shortcut="Alt+7"),
)

#: Shown in the main area when a family is opened; not in the navigation list.
FAMILY_PAGE = ScreenSpec("family", "Family", "setting_app.ui.screens.family_page", "FamilyPageScreen")

#: The quick log dialog (Ctrl+N), loaded the same way.
QUICK_LOG_DIALOG = ("setting_app.ui.dialogs.quick_log_dialog", "QuickLogDialog")

#: The dashboard's referrals panel, if the referrals screen's author has added it.
REFERRALS_DUE_PANEL = ("setting_app.ui.widgets.referrals_due_panel", "ReferralsDuePanel")


def screen_spec(key: str) -> ScreenSpec:
    for spec in (*NAVIGATION, FAMILY_PAGE):
        if spec.key == key:
            return spec
    raise KeyError(key)


def visible_screens(is_manager: bool) -> tuple[ScreenSpec, ...]:
    return tuple(s for s in NAVIGATION if is_manager or not s.managers_only)


def load_class(module: str, name: str) -> type | None:
    """The named class, or None if its module or the class does not exist (yet)."""
    import importlib
    import logging

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        logging.getLogger("setting_app.ui").info(
            "%s.%s not available (%s)", module, name, type(error).__name__
        )
        return None
