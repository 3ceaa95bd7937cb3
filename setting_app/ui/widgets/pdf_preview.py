"""Show a PDF's pages in the app and print them, with Qt's own PDF renderer (QtPdf).

The PDF is held in memory (``QPdfDocument`` reads it from a ``QBuffer``): previewing never writes a
file. Pages are rendered to images, on white, at the width of the view; printing draws each page
as an image scaled to the printer's paintable area.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from setting_app.domain.errors import AppError

#: Printing renders pages at the printer's resolution, but no finer than this (memory).
MAX_PRINT_DPI = 300


class PdfNotReadable(AppError):
    pass


def render_page(document: QPdfDocument, index: int, width_px: int) -> QImage:
    """One page as an image ``width_px`` wide, on a white background."""
    points = document.pagePointSize(index)
    height_px = max(1, round(width_px * points.height() / max(points.width(), 1.0)))
    page = document.render(index, QSize(width_px, height_px))
    image = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(0, 0, page)
    painter.end()
    return image


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Print every page, fitted to the paper and centred. Returns the number of pages sent."""
    pages = document.pageCount()
    if pages <= 0:
        raise PdfNotReadable("There is nothing to print yet.")
    painter = QPainter()
    if not painter.begin(printer):
        raise AppError("The printer could not be started. Check it is switched on and try again.")
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        for index in range(pages):
            if index and not printer.newPage():
                raise AppError("The printer stopped part-way through. Check it and print again.")
            points = document.pagePointSize(index)
            image = render_page(document, index, max(1, round(points.width() / 72 * dpi)))
            scale = min(area.width() / image.width(), area.height() / image.height())
            width, height = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - width) / 2, (area.height() - height) / 2, width, height)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return pages


class PdfPreview(QScrollArea):
    """Pages one under another, re-rendered to fit when the view is resized."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Preview of the report pages")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._pages = QWidget()
        self._pages.setObjectName("pdfPages")
        self._pages.setStyleSheet("#pdfPages { background: #808080; }")
        self._layout = QVBoxLayout(self._pages)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(16)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._placeholder = QLabel("Pick a month and press Preview to see the report here.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet("color: white;")
        self._layout.addWidget(self._placeholder)
        self._page_labels: list[QLabel] = []
        self.setWidget(self._pages)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._render_pages)
        self._rendered_width = 0

    @property
    def document(self) -> QPdfDocument:
        return self._document

    def page_count(self) -> int:
        return self._document.pageCount() if self._buffer is not None else 0

    def page_labels(self) -> list[QLabel]:
        return list(self._page_labels)

    def set_pdf(self, data: bytes) -> int:
        """Show this PDF (kept in memory only). Returns its page count."""
        self.clear()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._document.load(buffer)
        if self._document.status() != QPdfDocument.Status.Ready or self._document.pageCount() < 1:
            buffer.close()
            raise PdfNotReadable("The report could not be shown: the PDF was not readable.")
        self._buffer = buffer
        self._placeholder.hide()
        self._render_pages()
        return self._document.pageCount()

    def clear(self, message: str = "") -> None:
        """Forget the document and its page images (for example when the casebook locks)."""
        for label in self._page_labels:
            self._layout.removeWidget(label)
            label.deleteLater()
        self._page_labels = []
        self._document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None
        self._rendered_width = 0
        if message:
            self._placeholder.setText(message)
        self._placeholder.show()

    def print_to(self, printer: QPrinter) -> int:
        if self.page_count() == 0:
            raise PdfNotReadable("There is nothing to print yet: preview a report first.")
        return print_document(self._document, printer)

    def _page_width(self) -> int:
        return max(420, min(1000, self.viewport().width() - 48))

    def _render_pages(self) -> None:
        if self._buffer is None:
            return
        width = self._page_width()
        ratio = self.devicePixelRatioF()
        total = self._document.pageCount()
        while len(self._page_labels) < total:
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._layout.addWidget(label)
            self._page_labels.append(label)
        for index, label in enumerate(self._page_labels):
            image = render_page(self._document, index, round(width * ratio))
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setAccessibleName(f"Page {index + 1} of {total}")
        self._rendered_width = width

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self._buffer is not None and abs(self._page_width() - self._rendered_width) > 8:
            self._resize_timer.start()
