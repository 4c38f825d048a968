"""Demo regions, units and one login per role (``manage.py demo_data``; see docs/architecture.md).

Two real places with invented people: 黄浦区 › 老西门街道 (the 蓬莱路地块 old-district renovation) and
徐汇区 › 天平街道 (陕西南路). Region and unit names follow the area; every person and every
account is fictional. ``DEMO_LOGINS`` is what ``manage.py demo_logins`` prints.
"""

from django.contrib.auth.hashers import make_password

from . import shapes
from .models import Membership, Region, Role, Unit, User

K = Region.Kind
U = Unit.Kind

# district -> subdistrict -> neighbourhood -> grids
TREE = {
    "黄浦区": {
        "老西门街道": {
            "蓬莱路居委": ["蓬莱路第一网格", "蓬莱路第二网格"],
            "蓬莱路第二居委": ["蓬莱路第三网格", "蓬莱路第四网格"],
            "文庙居委": ["文庙第一网格", "文庙第二网格"],
            "梦花街居委": ["梦花街第一网格"],
            "尚文路居委": ["尚文路第一网格"],
        },
    },
    "徐汇区": {
        "天平街道": {
            "陕西南路居委": ["陕西南路第一网格", "陕西南路第二网格"],
            "永嘉路居委": ["永嘉路第一网格", "永嘉路第二网格"],
            "建国西路居委": ["建国西路第一网格"],
            "嘉善路居委": ["嘉善路第一网格"],
        },
    },
}

OFFICES = ["社区服务办", "管理办", "房管办", "旧改办", "平安办", "党建办", "自治办"]

# (unit name, kind, region name)
UNITS = [
    ("老西门律师事务所", U.PARTNER, "老西门街道"),
    ("工商银行老西门支行", U.PARTNER, "老西门街道"),
    ("黄浦区中心医院老西门分部", U.PARTNER, "老西门街道"),
    ("老西门社区卫生服务中心", U.PARTNER, "老西门街道"),
    ("上海交响音乐进修学校", U.PARTNER, "天平街道"),
    ("天平律师服务站", U.PARTNER, "天平街道"),
    ("建设银行天平支行", U.PARTNER, "天平街道"),
    ("蓬莱物业管理有限公司", U.PROPERTY_MANAGER, "蓬莱路居委"),
    ("文庙物业服务中心", U.PROPERTY_MANAGER, "文庙居委"),
    ("陕西南路物业服务中心", U.PROPERTY_MANAGER, "陕西南路居委"),
    ("老西门房管所", U.HOUSING_OFFICE, "老西门街道"),
    ("天平房管所", U.HOUSING_OFFICE, "天平街道"),
    ("老西门为老服务社", U.SOCIAL_ORG, "老西门街道"),
]

# One login per role (printed by demo_logins), plus a second worker and staff member in 天平街道 so
# that scoping between the two subdistricts can be seen. The password is public: demo only. One
# password for all, because Argon2 is slow by design and each distinct password costs a hash.
DEMO_PASSWORD = "minhu-demo-2022"
# (username, password, role, region, unit or None, display name)
DEMO_LOGINS = [
    ("admin", DEMO_PASSWORD, Role.ADMIN, "黄浦区", None, "系统管理员"),
    ("leader", DEMO_PASSWORD, Role.LEADER, "老西门街道", None, "孙主任"),
    ("staff", DEMO_PASSWORD, Role.STAFF, "老西门街道", "老西门街道社区服务办", "赵磊"),
    ("worker", DEMO_PASSWORD, Role.WORKER, "蓬莱路居委", "蓬莱路居委会", "王芳"),
    ("partner", DEMO_PASSWORD, Role.PARTNER, "老西门街道", "老西门律师事务所", "吴律师"),
    ("volunteer", DEMO_PASSWORD, Role.VOLUNTEER, "蓬莱路居委", None, "刘洋"),
    ("resident", DEMO_PASSWORD, Role.RESIDENT, "蓬莱路居委", None, "张阿姨"),
]
EXTRA_LOGINS = [
    ("staff_tianping", DEMO_PASSWORD, Role.STAFF, "天平街道", "天平街道社区服务办", "周敏"),
    ("worker_tianping", DEMO_PASSWORD, Role.WORKER, "陕西南路居委", "陕西南路居委会", "陈静"),
    ("worker_wenmiao", DEMO_PASSWORD, Role.WORKER, "文庙居委", "文庙居委会", "李军"),
    ("renewal_staff", DEMO_PASSWORD, Role.STAFF, "老西门街道", "老西门街道旧改办", "钱伟"),
]
# The people of the two stories whose accounts other apps' demos create (care, deeds, resources): printed by
# ``demo_logins`` under the per-role table, each with the part they play. (username, password, role, region, part)
STORY_LOGINS = [
    ("renewal_staff", DEMO_PASSWORD, Role.STAFF, "老西门街道", "旧改办：补偿款能买多大房子"),
    ("worker_tianping", DEMO_PASSWORD, Role.WORKER, "陕西南路居委", "社工：助餐、安全预警、粪管改道"),
    ("care_vol1", DEMO_PASSWORD, Role.VOLUNTEER, "陕西南路居委", "送餐志愿者：今日送餐"),
    ("staff_tianping", DEMO_PASSWORD, Role.STAFF, "天平街道", "宣传稿撰写"),
    ("editor_tianping", DEMO_PASSWORD, Role.STAFF, "天平街道", "宣传稿审核（第二审核人）"),
    ("student", DEMO_PASSWORD, Role.RESIDENT, "陕西南路居委", "学生：预约免费琴房"),
]


def _regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for district, subdistricts in TREE.items():
        d = regions[district] = Region.objects.create(name=district, kind=K.DISTRICT)
        for subdistrict, neighbourhoods in subdistricts.items():
            s = regions[subdistrict] = Region.objects.create(name=subdistrict, kind=K.SUBDISTRICT, parent=d)
            for neighbourhood, grids in neighbourhoods.items():
                n = regions[neighbourhood] = Region.objects.create(name=neighbourhood, kind=K.NEIGHBOURHOOD, parent=s)
                for grid in grids:
                    regions[grid] = Region.objects.create(name=grid, kind=K.GRID, parent=n)
    return regions


def _units(regions: dict[str, Region], rng) -> dict[str, Unit]:
    rows = []
    for region in regions.values():
        if region.kind == K.NEIGHBOURHOOD:
            rows.append(Unit(name=region.name + "会", kind=U.NEIGHBOURHOOD_COMMITTEE, region=region))
        elif region.kind == K.SUBDISTRICT:
            rows += [Unit(name=region.name + office, kind=U.SUBDISTRICT_OFFICE, region=region) for office in OFFICES]
    rows += [Unit(name=name, kind=kind, region=regions[where]) for name, kind, where in UNITS]
    for unit in rows:  # fictional landlines in the 021-6xxx range
        unit.phone = f"021-6{rng.randint(100, 999)}{rng.randint(1000, 9999)}"
    Unit.objects.bulk_create(rows)
    return {u.name: u for u in Unit.objects.filter(region__in=regions.values())}


def _users(regions, units) -> dict[str, User]:
    users: dict[str, User] = {}
    hashes: dict[str, str] = {}  # Argon2 is slow by design: hash each distinct password once
    for username, password, role, region, unit, name in DEMO_LOGINS + EXTRA_LOGINS:
        if password not in hashes:
            hashes[password] = make_password(password)
        user = User.objects.create(
            username=username,
            password=hashes[password],
            display_name=name,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        Membership.objects.create(user=user, region=regions[region], role=role, unit=units.get(unit))
        users[username] = user
    return users


def load(ctx: dict) -> None:
    rng = ctx["rng"]
    regions = _regions()
    units = _units(regions, rng)
    users = _users(regions, units)
    ctx["regions"], ctx["units"], ctx["users"] = regions, units, users
    for subdistrict in ("老西门街道", "天平街道"):
        shapes.load_file(shapes.DEMO_FILE, root=regions[subdistrict])  # schematic outlines for the map
    ctx["stdout"].write(f"    辖区 {len(regions)} 个，单位 {len(units)} 个，账号 {len(users)} 个")
