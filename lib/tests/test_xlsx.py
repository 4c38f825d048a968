import io
import zipfile
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from lib import normalize, xlsx

COLUMNS = [
    xlsx.Column("姓名", "name", example="王秀英"),
    xlsx.Column("身份证号", "id_number", example="310101195001011234"),
    xlsx.Column("手机", "phone", required=False),
]


def sheet_bytes(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_rows_come_back_by_header_with_excel_row_numbers():
    data = sheet_bytes(
        [["备注", "身份证号", "姓名*"], ["x", "310101195001011234", " 王秀英 "], [None, None, None], ["", 582, "李四"]]
    )
    rows = xlsx.read_rows(data, COLUMNS)
    assert rows == [
        (2, {"name": "王秀英", "id_number": "310101195001011234", "phone": ""}),
        (4, {"name": "李四", "id_number": "582", "phone": ""}),
    ]


def test_mapping_of_headers_is_accepted():
    data = sheet_bytes([["姓名", "手机"], ["张三", 13800000000.0]])
    rows = xlsx.read_rows(io.BytesIO(data), {"姓名": "name", "手机": ("phone", False), "地址": ("road", False)})
    assert rows == [(2, {"name": "张三", "phone": "13800000000", "road": ""})]


def test_missing_required_header_is_named_in_chinese():
    data = sheet_bytes([["姓名", "手机"], ["张三", ""]])
    with pytest.raises(xlsx.SpreadsheetError, match="表头缺少以下列：身份证号"):
        xlsx.read_rows(data, COLUMNS)


def test_a_file_that_is_not_xlsx_is_refused_clearly():
    with pytest.raises(xlsx.SpreadsheetError, match=r"\.xlsx"):
        xlsx.read_rows(b"name,id\nzhang,1\n", COLUMNS)


def test_workbook_bytes_round_trips_and_keeps_long_numbers_as_text():
    content = xlsx.workbook_bytes(["姓名", "身份证号"], [["王秀英", "310101195001011234"]], sheet_title="居民")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "居民"
    assert [c.value for c in sheet[2]] == ["王秀英", "310101195001011234"]
    assert xlsx.read_rows(content, COLUMNS[:2]) == [(2, {"name": "王秀英", "id_number": "310101195001011234"})]


def test_workbook_response_encodes_chinese_filename_per_rfc5987():
    response = xlsx.workbook_response("居民名单.xlsx", ["姓名"], [["张三"]])
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "居民名单.xlsx"
    assert response["Cache-Control"] == "no-store"


def test_template_has_marked_headers_an_example_row_and_instructions():
    response = xlsx.template_response("居民导入模板.xlsx", COLUMNS)
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == ["姓名*", "身份证号*", "手机"]
    assert wb.worksheets[0]["A2"].value == "王秀英"
    notes = [r[0].value for r in wb["填写说明"].iter_rows()]
    assert "手机：选填" in notes
    # the template itself reads back (the example row is a valid row)
    assert xlsx.read_rows(response.content, COLUMNS)[0][1]["name"] == "王秀英"


@pytest.mark.parametrize("typed", ["=1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_text_a_spreadsheet_would_run_is_written_as_text(typed):
    data = xlsx.workbook_bytes(["备注"], [[typed], ["普通文字"], [-5], [typed.strip()]])
    sheet = load_workbook(io.BytesIO(data)).active
    values = [c.value for c in sheet["A"]]
    # (XML stores a carriage return as a line feed)
    assert values[1] == "'" + typed.replace("\r", "\n") and sheet["A2"].data_type == "s"
    assert values[2:4] == ["普通文字", -5]  # ordinary text and real numbers are untouched
    assert not any(c.data_type == "f" for c in sheet["A"])


def _damaged_sheet_xml(data: bytes) -> bytes:
    """The same workbook with its sheet's XML cut off mid-element, as a failed save leaves it."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "damage", [lambda d: d[: len(d) // 2], _damaged_sheet_xml], ids=["cut-off-file", "cut-off-xml"]
)
def test_a_damaged_workbook_gets_a_file_level_message_not_a_crash(damage):
    rows = [["姓名", "身份证号"]] + [[f"居民{i}", f"31010119500101{i:04d}"] for i in range(300)]
    with pytest.raises(xlsx.SpreadsheetError, match="文件已损坏"):
        xlsx.read_rows(damage(sheet_bytes(rows)), COLUMNS)


def test_cells_are_normalised_by_their_column_and_numbers_are_marked():
    columns = [*COLUMNS, xlsx.Column("号", "number", required=False, normalize="house")]
    rows = xlsx.read_rows(
        sheet_bytes([["姓\u3000名", "身份证号", "号"], ["王\u00a0秀英", 310101195001011, "５号"]]), columns
    )
    (_, row) = rows[0]
    assert row == {"name": "王 秀英", "id_number": "310101195001011", "phone": "", "number": "5"}
    assert isinstance(row["id_number"], normalize.NumberCell)
