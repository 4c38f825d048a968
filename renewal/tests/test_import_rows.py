"""``renewal.importers.validate`` row by row: every message it gives, in its order, and what a good row parses to.
Pinned before the function was split into one check per column group."""

from decimal import Decimal as D

from renewal import importers

BLANK = {c.key: "" for c in importers.COLUMNS}
GOOD = {
    **BLANK,
    "number": "HP-0001",
    "kind": "租用公房凭证",
    "holder_name": "张某",
    "address": "蓬莱路 100 弄 1 号",
    "house_type": "旧式里弄",
    "living_area": "前楼 12.5；亭子间 6.2",
}


def messages(project, rows):
    parsed, errors = importers.validate(project, list(enumerate(rows, start=2)))
    return parsed, [(e["row"], e["column"], e["message"]) for e in errors]


def test_every_message_in_the_order_given(project, users):
    importers.write(project, importers.validate(project, [(2, GOOD)])[0], by=users["staff"])
    rows = [
        BLANK,
        {**GOOD},  # already in the project
        {**GOOD, "number": "HP-0002"},
        {**GOOD, "number": "HP-0002", "kind": "别的", "holder_kind": "公司", "plot": "三期"},  # repeats row 4
        {**GOOD, "number": "HP-0003", "building_area": "-1", "living_area": "前楼 abc；8", "unit_price": "x"},
        {**GOOD, "number": "HP-0004", "building_area": "30", "self_contained": "也许", "difficulty_persons": "1.5"},
        {**GOOD, "number": "HP-0005", "difficulty_persons": "-1", "had_affordable": "maybe"},
        {**GOOD, "number": "HP-0006", "co_residents": "李某:子女；:子女:是:是:否；王某:配偶:是:也许:否"},
        {**GOOD, "number": "HP-0007", "hardship": "王某；张老:高龄；:重病"},
        {**GOOD, "number": "HP-0008", "living_area": "", "building_area": "abc"},
    ]
    parsed, found = messages(project, rows)
    assert [p["certificate"].number for p in parsed] == ["HP-0002"]
    assert found == [
        (2, "权证编号", "不能为空"),
        (2, "权证类型", "应为房地产权证、租用公房凭证或非居"),
        (2, "权利人/承租人", "不能为空"),
        (2, "房屋坐落", "不能为空"),
        (2, "房屋类型", "“”不在折算系数表中"),
        (2, "建筑面积", "建筑面积和居住面积至少填写一项"),
        (3, "权证编号", "本地块已有权证“HP-0001”"),
        (5, "权证编号", "与第 4 行重复"),
        (5, "权证类型", "应为房地产权证、租用公房凭证或非居"),
        (5, "权利人类别", "应为居民或单位"),
        (5, "子地块", "本地块没有子地块“三期”"),
        (6, "建筑面积", "应为大于0的数字"),
        (6, "居住面积", "“abc”不是有效的数字"),
        (6, "评估单价", "“x”不是有效的数字"),
        (7, "居住面积", "建筑面积和居住面积只填一项"),
        (7, "成套独用", "“也许”应填“是”或“否”"),
        (7, "居困人口", "应为整数"),
        (8, "居困人口", "不能为负数"),
        (8, "已享受经济适用住房", "“maybe”应填“是”或“否”"),
        (9, "同住人", "“李某:子女”应为“姓名:关系:户口在册:居住满一年:他处有福利分房”"),
        (9, "同住人", "“:子女:是:是:否”应为“姓名:关系:户口在册:居住满一年:他处有福利分房”"),
        (9, "同住人", "“也许”应填“是”或“否”"),
        (10, "特殊困难人员", "“王某”应为“姓名:类别”"),
        (10, "特殊困难人员", "“:重病”应为“姓名:类别”"),
        (11, "建筑面积", "“abc”不是有效的数字"),
    ]


def test_a_good_row_parses_into_an_unsaved_certificate_with_its_people(project):
    row = {
        **GOOD,
        "holder_kind": "单位",
        "plot": "一期",
        "living_area": "前楼 12.5；6.2",
        "unit_price": "1,000",
        "self_contained": "是",
        "difficulty_persons": "2",
        "had_affordable": "否",
        "co_residents": "李某：子女：是：是：否",
        "hardship": "张老:高龄",
    }
    parsed, found = messages(project, [row])
    assert found == []
    [p] = parsed
    cert = p["certificate"]
    assert cert.pk is None and cert.plot.name == "一期" and cert.holder_kind == "unit"
    assert (cert.kind, cert.house_type, cert.self_contained, cert.building_area) == (
        "public_lease",
        "旧式里弄",
        True,
        None,
    )
    assert (cert.unit_price, cert.difficulty_persons, cert.had_affordable_housing) == (D("1000"), 2, False)
    assert p["rooms"] == [("前楼", D("12.5")), ("部位2", D("6.2"))]
    assert p["co_residents"] == [("李某", "子女", True, True, False)]
    assert p["hardship"] == [("张老", "高龄")]
