"""Shared test world: two districts, two subdistricts, neighbourhoods and grids, and one persona
per role. Used by every app's tests through the fixtures in the root conftest.py."""

from dataclasses import dataclass

from .models import Membership, Region, Role, Unit, User


@dataclass
class World:
    huangpu: Region
    laoximen: Region
    penglai: Region  # neighbourhood 蓬莱路居委 in 老西门街道
    penglai_grid: Region
    wenmiao: Region  # a second neighbourhood in 老西门街道
    xuhui: Region
    tianping: Region
    shaanxi: Region  # neighbourhood 陕西南路居委 in 天平街道
    shaanxi_grid: Region
    penglai_committee: Unit
    laoximen_office: Unit
    shaanxi_committee: Unit
    tianping_office: Unit
    partner_unit: Unit
    users: dict


def region(name, kind, parent=None):
    return Region.objects.create(name=name, kind=kind, parent=parent)


def make_user(username, *, role, region, unit=None, name="", superuser=False):
    user = User.objects.create_user(username=username, password="pw-" + username, display_name=name or username)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    if role:
        Membership.objects.create(user=user, region=region, role=role, unit=unit)
    return user


def build_world() -> World:
    K = Region.Kind
    huangpu = region("黄浦区", K.DISTRICT)
    laoximen = region("老西门街道", K.SUBDISTRICT, huangpu)
    penglai = region("蓬莱路居委", K.NEIGHBOURHOOD, laoximen)
    penglai_grid = region("蓬莱路第一网格", K.GRID, penglai)
    wenmiao = region("文庙居委", K.NEIGHBOURHOOD, laoximen)
    xuhui = region("徐汇区", K.DISTRICT)
    tianping = region("天平街道", K.SUBDISTRICT, xuhui)
    shaanxi = region("陕西南路居委", K.NEIGHBOURHOOD, tianping)
    shaanxi_grid = region("陕西南路第一网格", K.GRID, shaanxi)
    U = Unit.Kind
    penglai_committee = Unit.objects.create(name="蓬莱路居委会", kind=U.NEIGHBOURHOOD_COMMITTEE, region=penglai)
    laoximen_office = Unit.objects.create(name="老西门街道社区服务办", kind=U.SUBDISTRICT_OFFICE, region=laoximen)
    shaanxi_committee = Unit.objects.create(name="陕西南路居委会", kind=U.NEIGHBOURHOOD_COMMITTEE, region=shaanxi)
    tianping_office = Unit.objects.create(name="天平街道管理办", kind=U.SUBDISTRICT_OFFICE, region=tianping)
    partner_unit = Unit.objects.create(name="文庙律师事务所", kind=U.PARTNER, region=laoximen)
    users = {
        "worker": make_user("worker", role=Role.WORKER, region=penglai, unit=penglai_committee, name="王芳"),
        "worker_wenmiao": make_user("worker_wenmiao", role=Role.WORKER, region=wenmiao, name="李军"),
        "worker_tianping": make_user(
            "worker_tianping", role=Role.WORKER, region=shaanxi, unit=shaanxi_committee, name="陈静"
        ),
        "staff": make_user("staff", role=Role.STAFF, region=laoximen, unit=laoximen_office, name="赵磊"),
        "staff_tianping": make_user(
            "staff_tianping", role=Role.STAFF, region=tianping, unit=tianping_office, name="周敏"
        ),
        "leader": make_user("leader", role=Role.LEADER, region=laoximen, name="孙主任"),
        "admin": make_user("admin", role=Role.ADMIN, region=huangpu, name="管理员"),
        "volunteer": make_user("volunteer", role=Role.VOLUNTEER, region=penglai, name="刘洋"),
        "partner": make_user("partner", role=Role.PARTNER, region=laoximen, unit=partner_unit, name="吴律师"),
        "resident": make_user("resident", role=Role.RESIDENT, region=penglai, name="张三"),
        "nobody": make_user("nobody", role=None, region=None, name="无角色"),
    }
    return World(
        huangpu,
        laoximen,
        penglai,
        penglai_grid,
        wenmiao,
        xuhui,
        tianping,
        shaanxi,
        shaanxi_grid,
        penglai_committee,
        laoximen_office,
        shaanxi_committee,
        tianping_office,
        partner_unit,
        users,
    )
