"""The coloured mark of a need domain, always paired with its name (never colour alone).

Colours come from ``setting_app.domain.palette`` (shared with the PDF report). Text on a chip is
black or white, whichever contrasts more with the chip colour.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from setting_app.domain.codes import Domain, Nation
from setting_app.domain.palette import DOMAIN_COLOURS


def _relative_luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    )


def domain_colour(domain: Domain) -> QColor:
    return QColor(DOMAIN_COLOURS[domain])


def text_colour_on(background: QColor) -> QColor:
    """Black or white, whichever has the higher WCAG contrast against ``background``."""
    luminance = _relative_luminance(background)
    contrast_black = (luminance + 0.05) / 0.05
    contrast_white = 1.05 / (luminance + 0.05)
    return QColor("#000000") if contrast_black >= contrast_white else QColor("#FFFFFF")


@cache
def domain_icon(domain: Domain, size: int = 14) -> QIcon:
    """A small rounded square in the domain's colour, for table cells and list items."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 90))
    painter.setBrush(domain_colour(domain))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    painter.end()
    return QIcon(pixmap)


def chip_style(domain: Domain) -> str:
    background = domain_colour(domain)
    foreground = text_colour_on(background)
    return (
        f"background-color: {background.name()}; color: {foreground.name()}; "
        "border-radius: 6px; padding: 1px 8px;"
    )


class DomainChip(QLabel):
    """A rounded label in the domain's colour showing its (short) name."""

    def __init__(
        self,
        domain: Domain,
        nation: Nation = Nation.ENGLAND,
        *,
        short: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.set_domain(domain, nation, short=short)

    def set_domain(self, domain: Domain, nation: Nation = Nation.ENGLAND, *, short: bool = True) -> None:
        self.domain = domain
        text = domain.short_label(nation) if short else domain.label(nation)
        self.setText(text)
        self.setAccessibleName(f"Domain: {domain.label(nation)}")
        self.setStyleSheet(chip_style(domain))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
