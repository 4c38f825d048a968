"""The printable guide a resident takes home: one A4 page, large type (适老化), with a QR code to the guide's page.

Built on ``lib.pdf`` (reportlab, the built-in STSong-Light CID font: no font file on the server). Body text is
13.5 pt against 11 pt in other documents, the QR code sits beside the title; if a long guide would still run over
one page, the whole text is shrunk just enough to fit (``KeepInFrame``), so the page never splits in the middle of
the materials list.
"""

from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Paragraph, Spacer, Table, TableStyle

from lib.pdf import FONT, Document

LARGE = {
    "title": ParagraphStyle("g-title", fontName=FONT, fontSize=22, leading=28, spaceAfter=4),
    "lead": ParagraphStyle("g-lead", fontName=FONT, fontSize=14, leading=20, wordWrap="CJK"),
    "heading": ParagraphStyle("g-heading", fontName=FONT, fontSize=15, leading=20, spaceBefore=5, spaceAfter=1),
    "body": ParagraphStyle("g-body", fontName=FONT, fontSize=13.5, leading=19, wordWrap="CJK"),
    "cell": ParagraphStyle("g-cell", fontName=FONT, fontSize=13, leading=17, wordWrap="CJK"),
    "small": ParagraphStyle(
        "g-small", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK", textColor=colors.HexColor("#333333")
    ),
    "warn": ParagraphStyle(
        "g-warn", fontName=FONT, fontSize=14, leading=20, wordWrap="CJK", textColor=colors.HexColor("#8a1c12")
    ),
}
FRAME_W, FRAME_H = A4[0] - 36 * mm, A4[1] - 34 * mm  # lib.pdf's margins, and a little slack


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), LARGE[style])


def guide_pdf(guide, *, url: str, region_name: str) -> bytes:
    doc = Document(f"{guide.name} 办事指南")
    # The title and the one-line summary beside the QR code, so the code costs no height of its own.
    head = [_p(guide.name, "title")]
    if guide.summary:
        head.append(_p(guide.summary, "lead"))
    qr_size = 30 * mm
    top = Table([[head, _qr(url, qr_size)]], colWidths=[FRAME_W - qr_size - 4 * mm, qr_size + 4 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    flow = [top]
    if guide.is_stale:
        flow.append(_p("本指南已过复核日期，政策可能有变化，办理前请先打电话确认。", "warn"))
    if guide.conditions:
        flow += [_p("谁可以办", "heading"), _p(guide.conditions, "body")]
    if guide.materials:
        rows = [[_p("要带的材料", "cell"), _p("原件", "cell"), _p("复印件", "cell")]]
        for m in guide.materials:
            name = m.get("name", "") + (f"（{m['note']}）" if m.get("note") else "")
            rows.append([_p(name, "cell"), _p(str(m.get("originals", 0)), "cell"), _p(str(m.get("copies", 0)), "cell")])
        table = Table(rows, colWidths=[FRAME_W - 36 * mm, 18 * mm, 18 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecef")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        flow += [_p("申请材料", "heading"), table]
    for heading, text in (
        ("怎么办", guide.process),
        ("去哪里办", "；".join(x for x in (guide.place, guide.hours) if x)),
        ("多久办好", guide.time_limit),
        ("收不收费", guide.fee),
        ("咨询电话", guide.phone),
    ):
        if text:
            flow += [_p(heading, "heading"), _p(text, "body")]
    flow.append(Spacer(1, 2 * mm))
    basis = "；".join(line.strip() for line in (guide.basis or "").splitlines() if line.strip())
    flow.append(_p(f"设定依据：{basis}", "small"))
    printed = timezone.localdate().strftime("%Y-%m-%d")
    flow.append(_p(f"{region_name} · 第 {guide.version} 版 · 打印于 {printed} · 扫码看最新内容：{url}", "small"))
    doc.story.append(KeepInFrame(FRAME_W, FRAME_H, flow, mode="shrink"))
    return doc.render()


def _qr(data: str, size: float) -> Drawing:
    widget = QrCodeWidget(data)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing
