"""Spreadsheet reading and writing (openpyxl), shared by every import and export.

Who relies on this: people imports/exports, renewal certificate import, audit export, dashboard
reports. Imports read the first sheet by Chinese header names, so staff may reorder or add columns;
every row comes back with its spreadsheet row number so error messages can name it ("第 12 行").
"""

import datetime
import io
import zipfile
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from lib import normalize

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows beyond this are refused before any work is done: one upload must stay a few seconds of work.
MAX_ROWS = 50_000


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (not xlsx, damaged, missing headers, too many rows). Chinese message."""


NOT_XLSX_MESSAGE = "无法读取该文件：请上传 Excel 工作簿（.xlsx 格式），可先下载模板再填写。"
DAMAGED_MESSAGE = (
    "文件已损坏，无法读完（可能是上传或保存时被截断）：请用 Excel 或 WPS 打开该文件，另存为新的 .xlsx 文件后重新上传。"
)
# What a cut-off or corrupted workbook raises while its sheet is read: a broken zip member (BadZipFile, zlib,
# EOFError), XML cut off mid-element (ElementTree's ParseError is a SyntaxError; lxml's XMLSyntaxError too),
# or openpyxl tripping over a half-written cell (ValueError, KeyError, TypeError, IndexError).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, OSError, ValueError, KeyError, TypeError, IndexError)


# What read_rows and the templates take as columns: Column objects, or header -> key / (key, required) / Column.
Columns = Sequence["Column"] | dict[str, Any]


@dataclass(frozen=True)
class Column:
    """A column of an import: ``header`` is what staff see in the sheet, ``key`` what code uses."""

    header: str
    key: str
    required: bool = True
    example: str = ""
    help: str = ""
    # how text in the column is tidied (lib.normalize): "text" for prose, "key" for values compared with others
    # (ID numbers, codes, names looked up), "house" for an address's lane/number/room
    normalize: str = "text"


def _columns(columns: Columns) -> list[Column]:
    """Accepts a list of Column, or a mapping header -> key / (key, required) / Column."""
    if isinstance(columns, dict):
        result = []
        for header, spec in columns.items():
            if isinstance(spec, Column):
                result.append(spec)
            elif isinstance(spec, tuple):
                result.append(Column(header, spec[0], *spec[1:]))
            else:
                result.append(Column(header, spec))
        return result
    return list(columns)


def _clean_header(value) -> str:
    # Templates mark required headers with "*" (姓名*); staff also type full-width spaces and stars.
    return normalize.key(value).replace("*", "")


def _cell(value, column: Column | None = None):
    if value is None:
        return ""
    if isinstance(value, str):
        if column is None:
            return normalize.NORMALIZERS["text"](value)
        if column.normalize == "house":
            return normalize.house(value, column.header if column.header in normalize.HOUSE_UNITS else "")
        return normalize.NORMALIZERS[column.normalize](value)
    if isinstance(value, float) and value.is_integer():
        # Excel stores typed numbers as floats: 582 -> "582", not "582.0"; marked so that an ID number
        # stored as a number (its last digits lost) can be told apart from one typed as text.
        return normalize.NumberCell(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return normalize.NumberCell(value)
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    return value


def read_rows(file: Any, columns: Columns) -> list[tuple[int, dict]]:
    """Read the first sheet of an .xlsx file by header names.

    ``file``: a path, bytes, or a file-like object (an ``UploadedFile``).
    ``columns``: a list of ``Column`` or a mapping ``header -> key`` (or ``header -> (key, required)``).

    Returns ``[(row_number, {key: value})]`` with row numbers as Excel shows them (the header is
    row 1). Text is normalised as its column says (``Column.normalize``, see ``lib.normalize``: full-width
    digits and letters, odd spaces), whole-number cells become strings ("582", a ``normalize.NumberCell``),
    empty cells become "". Completely empty rows are skipped. Unknown columns are ignored; headers are
    matched after normalisation too.

    Raises ``SpreadsheetError`` (Chinese message) when the file is not an .xlsx workbook, when it is damaged
    (cut off, corrupted), when a required header is missing, or when the sheet has more than ``MAX_ROWS`` rows.
    """
    try:
        return _read_rows(file, columns)
    except SpreadsheetError:
        raise
    except _DAMAGED:
        raise SpreadsheetError(DAMAGED_MESSAGE) from None


def _starts_like_zip(file) -> bool:
    try:
        if isinstance(file, str | bytes) or not hasattr(file, "read"):
            with open(file, "rb") as handle:
                head = handle.read(4)
        else:
            file.seek(0)
            head = file.read(4)
    except (OSError, TypeError, ValueError):
        return False
    return head == b"PK\x03\x04"


def _read_rows(file, columns) -> list[tuple[int, dict]]:
    cols = _columns(columns)
    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    elif hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, *_DAMAGED):
        # A zip that starts right but cannot be opened was cut off or corrupted; anything else is not a workbook.
        raise SpreadsheetError(DAMAGED_MESSAGE if _starts_like_zip(file) else NOT_XLSX_MESSAGE) from None
    try:
        # openpyxl reads lazily: a sheet cut off in the middle shows only now (read_rows names it DAMAGED_MESSAGE)
        return _read_sheet(workbook, cols)
    finally:
        workbook.close()


# This module is the one writer of spreadsheets in Minhu — the case list, residents, the audit log,
# the volunteer service-hour ledger, event reports, leaders' figures, guides — and
# tests/test_exports.py fails when another module builds a workbook or a CSV of its own: every cell
# written goes through ``safe_cell``, so text a resident typed (a case title through the public form)
# never becomes a live formula in the reader's Excel or WPS.
#
# A cell whose text starts with one of these is a formula to Excel, WPS or LibreOffice (or becomes
# one once a CSV is opened): "=HYPERLINK(…)", "+1+cmd|…", "-2+3", "@SUM(…)"; a leading tab or
# carriage return is stripped by some readers, leaving the formula behind it.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as it may be written: text that a spreadsheet would read as a formula gets a
    leading apostrophe (OWASP "CSV injection"), so it shows as the text that was typed. Numbers,
    dates and ordinary text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _read_sheet(workbook, cols) -> list[tuple[int, dict]]:
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise SpreadsheetError("表格是空的：第 1 行应为表头。")
    positions = {}
    for index, value in enumerate(header_row):
        name = _clean_header(value)
        if name and name not in positions:
            positions[name] = index
    missing = [c.header for c in cols if c.required and normalize.key(c.header) not in positions]
    if missing:
        raise SpreadsheetError("表头缺少以下列：" + "、".join(missing) + "。请使用下载的模板，不要修改第 1 行。")
    result: list[tuple[int, dict]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(result) >= MAX_ROWS:
            raise SpreadsheetError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入。")
        row = {}
        for col in cols:
            at = positions.get(normalize.key(col.header))
            row[col.key] = _cell(values[at], col) if at is not None and at < len(values) else ""
        result.append((number, row))
    return result


def _write_sheet(sheet, headers, rows, *, required=()) -> None:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.append([safe_cell(f"{h}*" if h in required else h) for h in headers])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = ["" if v is None else safe_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(40, max(widths[i], len(str(v)) + 2))
    for i, width in enumerate(widths, start=1):
        column = sheet.column_dimensions[get_column_letter(i)]
        column.width = width
        # Text format for whole columns: an 18-digit ID number typed into a "General" cell would
        # become 3.10101E+17 and lose its last digits.
        column.number_format = "@"
    sheet.freeze_panes = "A2"


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Iterable[object]],
    *,
    sheet_title: str = "Sheet1",
    notes: Sequence[str] | None = None,
    required: Collection[str] = (),
) -> bytes:
    """An .xlsx file with a bold header row and the given rows (iterables of cell values).

    ``notes``: optional list of lines written to a second sheet "填写说明". ``required``: headers
    marked with "*" (``read_rows`` ignores the mark).

    ID numbers and phones must be passed as strings, so Excel keeps them as text (no 3.1E+17).
    """
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    _write_sheet(sheet, list(headers), rows, required=set(required))
    if notes:
        help_sheet = workbook.create_sheet("填写说明")
        help_sheet.column_dimensions["A"].width = 100
        for line in notes:
            help_sheet.append([safe_cell(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str) -> str:
    """``attachment`` header for a Chinese filename: ASCII fallback plus RFC 5987 ``filename*``."""
    fallback = filename.encode("ascii", "ignore").decode().strip() or "export.xlsx"
    if not fallback.lower().endswith(".xlsx") and filename.lower().endswith(".xlsx"):
        fallback = "export.xlsx"
    fallback = fallback.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"  # exports may hold personal data
    return response


def workbook_response(
    filename: str, headers: Sequence[str], rows: Iterable[Iterable[object]], **kwargs: Any
) -> HttpResponse:
    """Download response for an export: ``workbook_response("居民名单.xlsx", headers, rows)``."""
    return _response(filename, workbook_bytes(headers, rows, **kwargs))


def template_bytes(
    columns: Columns,
    *,
    example_rows: Sequence[Sequence[object]] | None = None,
    notes: Sequence[str] | None = None,
    sheet_title: str = "导入",
) -> bytes:
    """An import template: headers from ``columns`` (required ones marked "*"), one example row
    (``Column.example`` or ``example_rows``) and a "填写说明" sheet listing every column."""
    cols = _columns(columns)
    rows = example_rows if example_rows is not None else [[c.example for c in cols]]
    lines = list(notes or [])
    lines.append("带 * 的列必须填写；示例行请删除后再导入。")
    for c in cols:
        lines.append(f"{c.header}：{'必填' if c.required else '选填'}{'。' + c.help if c.help else ''}")
    return workbook_bytes(
        [c.header for c in cols],
        rows,
        sheet_title=sheet_title,
        notes=lines,
        required={c.header for c in cols if c.required},
    )


def template_response(
    filename: str,
    columns: Columns,
    *,
    example_rows: Sequence[Sequence[object]] | None = None,
    notes: Sequence[str] | None = None,
) -> HttpResponse:
    """Download response for an import template with an example row."""
    return _response(filename, template_bytes(columns, example_rows=example_rows, notes=notes))
