"""PDF documents with reportlab and its built-in CJK font (STSong-Light).

STSong-Light is one of the Adobe CID fonts every PDF reader carries, so the app needs no font file
on the server and the PDF stays small (see docs/decisions.md). Used by volunteer certificates,
event reports, renovation sheets and deed stories.

    pdf = Document("志愿服务记录证明")
    pdf.heading("志愿服务记录证明")
    pdf.paragraph("兹证明……")
    pdf.table([["日期", "时长"], ["2022-02-24", "3.5"]])
    pdf.qr("https://…/verify/ABC")
    data = pdf.render()      # bytes
"""

import io
import re
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from reportlab.graphics import renderPDF  # noqa: F401  (registers the drawing renderer)
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lib import images

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=1, spaceAfter=12),
    "heading": ParagraphStyle("heading", fontName=FONT, fontSize=14, leading=20, spaceBefore=8, spaceAfter=6),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK"),
    "small": ParagraphStyle(
        "small", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK", textColor=colors.HexColor("#444444")
    ),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK"),
}


def printable(text: str) -> str:
    """Text as the CJK font prints it. The middle dot "·" (U+00B7) comes out as a gap in STSong-Light in common
    readers, so it becomes the full-width separator "｜" (GB 2312, always present), without the spaces around it."""
    return re.sub(r"\s*\u00b7\s*", "｜", text)


class Document:
    def __init__(self, title: str, *, author: str = "民呼"):
        self.title = title
        self.author = author
        self.story: list = []

    def title_line(self, text: str) -> None:
        self.story.append(Paragraph(escape(printable(text)), STYLES["title"]))

    def heading(self, text: str) -> None:
        self.story.append(Paragraph(escape(printable(text)), STYLES["heading"]))

    def paragraph(self, text: str, *, style: str = "body") -> None:
        self.story.append(Paragraph(escape(printable(text)).replace("\n", "<br/>"), STYLES[style]))

    def space(self, height_mm: float = 4) -> None:
        self.story.append(Spacer(1, height_mm * mm))

    def table(self, rows: list[list], *, widths_mm: list[float] | None = None, header: bool = True) -> None:
        data = [[Paragraph(escape(printable(str(cell))), STYLES["cell"]) for cell in row] for row in rows]
        table = Table(data, colWidths=[w * mm for w in widths_mm] if widths_mm else None, repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecef")))
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def qr(self, data: str, *, size_mm: float = 30) -> None:
        widget = QrCodeWidget(data)
        x1, y1, x2, y2 = widget.getBounds()
        size = size_mm * mm
        drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
        drawing.add(widget)
        self.story.append(drawing)

    def image(self, path_or_file, *, width_mm: float = 80) -> bool:
        """Add a picture. A file that is not a readable JPEG/PNG/WebP of at most lib.images.MAX_PIXELS (a story
        body's <img> may name any file) is left out and False returned, instead of failing the whole PDF."""
        if not _is_picture(path_or_file):
            return False
        img = Image(path_or_file)
        ratio = img.imageHeight / img.imageWidth if img.imageWidth else 1
        img.drawWidth, img.drawHeight = width_mm * mm, width_mm * mm * ratio
        self.story.append(img)
        return True

    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=self.title,
            author=self.author,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
        )
        doc.build(self.story)
        return buffer.getvalue()


def _is_picture(path_or_file) -> bool:
    def check(f):
        images.check_upload(f, max_bytes=images.MAX_PDF_IMAGE_BYTES, formats={"JPEG", "PNG", "MPO", "WEBP"})

    try:
        if isinstance(path_or_file, (str, bytes)) or hasattr(path_or_file, "__fspath__"):
            with open(path_or_file, "rb") as f:
                check(f)
        else:
            check(path_or_file)
    except (ValidationError, OSError):
        return False
    return True


def pdf_response(filename: str, data: bytes, *, inline: bool = True):
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
