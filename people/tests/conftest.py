import datetime
import io

import pytest
from openpyxl import Workbook

from lib import idcard
from people import services
from people.models import Tag

HEADERS = ["姓名", "身份证号", "手机", "居委/网格", "路", "弄", "号", "室", "与户主关系", "标签", "备注"]


def id_number(n: int, code: str = "310101") -> str:
    """A valid fictional ID number, distinct for each n."""
    return idcard.make(code, datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 500), n % 500 + 1)


def xlsx_file(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    wb.active.append(headers)
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def tags(db):
    return {name: Tag.objects.get_or_create(name=name)[0] for name in ("独居", "空巢", "残疾")}


@pytest.fixture
def make_resident(world):
    """make_resident(name, region=penglai_grid, **kw) -> a resident created through the service."""
    counter = iter(range(10_000, 20_000))

    def make(name="王秀英", region=None, by=None, address=None, **kw):
        region = region or world.penglai_grid
        by = by or world.users["admin"]
        household = None
        if address:
            a = services.address_get_or_create(region=region, by=by, **address)
            household = services.household_for_address(address=a, by=by, name=name)
        kw.setdefault("id_number", id_number(next(counter)))
        return services.resident_create(region=region, name=name, by=by, household=household, **kw)

    return make
