"""Demo residents and households (``manage.py demo_data``; runs after ``org.demo``).

Everyone here is invented. ID numbers are valid by GB 11643 (so every screen and import path works)
but are made with ``lib.idcard.make`` using sequence numbers 000–009, which together with the
``1390000xxxx`` phone numbers mark them as demo data at a glance. Addresses are real road names of
the two areas (蓬莱路 lanes in 老西门街道, 陕西南路582弄 in 天平街道) with rooms made up; coordinates
scatter around the real blocks so meal routes and maps look right.
"""

import datetime
import itertools

from audit.services import record, record_view
from lib import idcard

from .models import Address, Household, Resident, Tag

# grid -> (district ID address code, [(road, lane, house numbers)], (latitude, longitude) of the block)
STREETS = {
    "蓬莱路第一网格": ("310101", [("蓬莱路", "121", 8), ("蓬莱路", "153", 6)], (31.2168, 121.4896)),
    "蓬莱路第二网格": ("310101", [("蓬莱路", "252", 10), ("蓬莱路", "303", 7)], (31.2160, 121.4878)),
    "蓬莱路第三网格": ("310101", [("蓬莱路", "357", 6), ("大兴街", "45", 5)], (31.2152, 121.4862)),
    "蓬莱路第四网格": ("310101", [("梦花街", "12", 5), ("蓬莱路", "412", 6)], (31.2146, 121.4885)),
    "文庙第一网格": ("310101", [("文庙路", "215", 6), ("学前街", "76", 4)], (31.2189, 121.4873)),
    "文庙第二网格": ("310101", [("文庙路", "120", 5)], (31.2183, 121.4890)),
    "梦花街第一网格": ("310101", [("梦花街", "101", 6)], (31.2176, 121.4858)),
    "尚文路第一网格": ("310101", [("尚文路", "133", 6)], (31.2199, 121.4902)),
    "陕西南路第一网格": ("310104", [("陕西南路", "582", 12), ("陕西南路", "560", 6)], (31.2106, 121.4577)),
    "陕西南路第二网格": ("310104", [("陕西南路", "480", 6), ("复兴中路", "1363", 4)], (31.2122, 121.4586)),
    "永嘉路第一网格": ("310104", [("永嘉路", "355", 6)], (31.2093, 121.4560)),
    "永嘉路第二网格": ("310104", [("永嘉路", "511", 5)], (31.2087, 121.4531)),
    "建国西路第一网格": ("310104", [("建国西路", "440", 6)], (31.2075, 121.4583)),
    "嘉善路第一网格": ("310104", [("嘉善路", "140", 5)], (31.2069, 121.4610)),
}

TAGS = {
    "独居": "独自居住，需定期安全确认",
    "孤寡": "无配偶无子女的老人",
    "空巢": "子女不在身边的老年家庭",
    "残疾": "持残疾人证",
    "低保": "享受最低生活保障",
    "失能": "日常生活需要照护",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任"
    "姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔"
    "向常汤康易乔赖文"
)
GIVEN_M = [
    "建国",
    "国强",
    "志明",
    "伟",
    "强",
    "军",
    "勇",
    "磊",
    "德华",
    "永康",
    "海涛",
    "家豪",
    "宏",
    "文彬",
    "立新",
    "振华",
]
GIVEN_F = [
    "秀英",
    "桂英",
    "玉兰",
    "美华",
    "丽",
    "芳",
    "敏",
    "静",
    "慧",
    "雅琴",
    "彩霞",
    "凤英",
    "佩华",
    "婷",
    "琳",
    "晓红",
]
SIZES = [1] * 30 + [2] * 35 + [3] * 20 + [4] * 15  # household sizes in an old inner-city district
TODAY = datetime.date(2026, 6, 1)  # fixed so the same seed gives the same ages every year


class _Numbers:
    """Unique fictional ID numbers (sequence 000–009) and phones (1390000xxxx)."""

    def __init__(self):
        self.taken: set[str] = set()
        self.phones = (f"1390000{n:04d}" for n in itertools.count(1))

    def id_number(self, code: str, birth: datetime.date, gender: str) -> str:
        for seq in range(1 if gender == "male" else 0, 10, 2):
            number = idcard.make(code, birth, seq)
            if number not in self.taken:
                self.taken.add(number)
                return number
        return self.id_number(code, birth + datetime.timedelta(days=1), gender)

    def phone(self) -> str:
        return next(self.phones)


def _birth(rng, age: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=age * 365 + rng.randint(0, 364))


def _name(rng, gender: str, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN_M if gender == "male" else GIVEN_F)


def _members(rng, size: int) -> list[dict]:
    """One household's people: head first, then spouse, child, grandchild or parent."""
    R = Resident.Relation
    head_gender = rng.choice(["male", "female"])
    head_age = rng.randint(68, 92) if size == 1 and rng.random() < 0.8 else rng.randint(32, 85)
    surname = rng.choice(SURNAMES)
    people = [{"relation": R.HEAD, "gender": head_gender, "age": head_age, "surname": surname}]
    if size >= 2:
        other = "female" if head_gender == "male" else "male"
        people.append({"relation": R.SPOUSE, "gender": other, "age": max(20, head_age + rng.randint(-4, 4))})
    if size >= 3:
        child_age = max(1, head_age - rng.randint(24, 32))
        people.append({"relation": R.CHILD, "gender": rng.choice(["male", "female"]), "age": child_age})
        people[-1]["surname"] = surname
    if size >= 4:
        if head_age > 60:
            people.append(
                {"relation": R.GRANDCHILD, "gender": rng.choice(["male", "female"]), "age": rng.randint(3, 16)}
            )
        else:
            people.append({"relation": R.PARENT, "gender": rng.choice(["male", "female"]), "age": head_age + 27})
    return people


def _tags_for(rng, person: dict, size: int) -> list[str]:
    tags = []
    elderly = person["age"] >= 65
    if size == 1 and elderly:
        tags.append("独居")
        if rng.random() < 0.3:
            tags.append("孤寡")
    if size == 2 and elderly and person["relation"] in ("head", "spouse"):
        tags.append("空巢")
    if rng.random() < 0.05:
        tags.append("残疾")
    if rng.random() < 0.04 and person["relation"] == "head":
        tags.append("低保")
    if person["age"] >= 78 and rng.random() < 0.2:
        tags.append("失能")
    return tags


def load(ctx: dict) -> None:
    rng, regions = ctx["rng"], ctx["regions"]
    tags = {}
    for name, description in TAGS.items():
        tags[name], _ = Tag.objects.get_or_create(name=name, defaults={"description": description})

    # 1. Addresses: every house of every lane, one to three flats each.
    addresses, address_code = [], {}
    for grid, (_code, lanes, (lat, lng)) in STREETS.items():
        for road, lane, houses in lanes:
            for number in range(1, houses + 1):
                for room in rng.sample(["101", "102", "201", "202", "301", "302"], rng.randint(1, 3)):
                    address = Address(
                        region=regions[grid],
                        road=road,
                        lane=lane,
                        number=str(number),
                        room=room,
                        latitude=round(lat + rng.uniform(-0.0012, 0.0012), 6),
                        longitude=round(lng + rng.uniform(-0.0012, 0.0012), 6),
                    )
                    addresses.append(address)
    Address.objects.bulk_create(addresses)
    addresses = list(Address.objects.filter(region__in=[regions[g] for g in STREETS]).select_related("region"))
    for address in addresses:
        address_code[address.pk] = STREETS[address.region.name][0]

    # 2. Households and their members (about two thirds of the flats are lived in).
    numbers = _Numbers()
    plans = []
    for address in addresses:
        if rng.random() < 0.68 or (address.road, address.lane, address.number) == ("陕西南路", "582", "11"):
            size = rng.choice(SIZES)
            plans.append((address, _members(rng, size), size))
    households = [Household(region=a.region, address=a) for a, _, _ in plans]
    residents, resident_tags = [], []
    for household, (address, members, size) in zip(households, plans, strict=True):
        for person in members:
            resident = Resident(
                region=address.region,
                relation=person["relation"],
                name=_name(rng, person["gender"], person.get("surname")),
                note="",
            )
            id_number = numbers.id_number(address_code[address.pk], _birth(rng, person["age"]), person["gender"])
            resident.set_id_number(id_number)
            if rng.random() < 0.85:
                resident.set_phone(numbers.phone())
            if person["relation"] == "head":
                household.name = resident.name
            residents.append((household, resident))
            resident_tags.append(_tags_for(rng, person, size))
    Household.objects.bulk_create(households)
    for household, resident in residents:
        resident.household = household
    people = Resident.objects.bulk_create([r for _, r in residents])
    Through = Resident.tags.through
    Through.objects.bulk_create(
        Through(resident_id=r.pk, tag_id=tags[t].pk)
        for r, names in zip(people, resident_tags, strict=True)
        for t in names
    )

    # 3. A little history so the audit log page is not empty.
    users = ctx.get("users", {})
    if "worker" in users:
        record(
            actor=users["worker"], action="people.demo.load", region=regions["老西门街道"], detail={"居民": len(people)}
        )
        local = [r for r in people if regions["蓬莱路居委"].contains(r.region)]
        for resident in rng.sample(local, min(3, len(local))):
            record_view(actor=users["worker"], obj=resident)

    ctx["residents"], ctx["households"], ctx["addresses"], ctx["tags"] = people, households, addresses, tags
    ctx["stdout"].write(f"    地址 {len(addresses)} 个，户 {len(households)} 户，居民 {len(people)} 人")
