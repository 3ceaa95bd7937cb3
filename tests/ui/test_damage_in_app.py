"""The desktop app names damage too: a damaged page met while unlocking (the audit write included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from setting_app.storage.casebook_store import CasebookPaths
from tests.conftest import PASSPHRASE

from setting_app.ui.dialogs.unlock_dialog import UnlockDialog


@pytest.mark.parametrize("offset", [4096 + 40, 8192 + 100])
def test_a_damaged_page_is_named_in_the_unlock_window(
    session, data_dir: Path, clock, qtbot, offset: int
) -> None:
    session.close()
    db = CasebookPaths(data_dir).db
    data = bytearray(db.read_bytes())
    data[offset] ^= 0x5A
    db.write_bytes(bytes(data))
    dialog = UnlockDialog(data_dir, clock, username="manager")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.panel.passphrase, PASSPHRASE)
    dialog.panel.unlock_button.click()
    assert dialog.session is None
    text = dialog.panel.error.text()
    assert "is damaged" in text and "restore" in text.lower()
    assert "should not have" not in text
