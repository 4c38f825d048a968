"""Navigation by role. Each entry names a URL; entries whose URL an app does not (yet) define are
left out, so an app adds itself to the menu by defining the URL named here."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

W, S, A, L, V, P, R = Role.WORKER, Role.STAFF, Role.ADMIN, Role.LEADER, Role.VOLUNTEER, Role.PARTNER, Role.RESIDENT

# (url name, label, one-line description for the home page, roles that see it)
ENTRIES = [
    ("cases:inbox", _("诉求工单"), _("受理、派单、办理、回访"), {W, S, A, P}),
    ("people:resident_list", _("居民档案"), _("居民、户、地址与标签"), {W, S, A}),
    ("care:home", _("关爱服务"), _("助餐、安全确认与探访"), {W, S, A, V}),
    ("events:event_list", _("服务活动"), _("咨询台、取号叫号"), {W, S, A, V, P}),
    ("guides:guide_list", _("办事指南"), _("咨询台答复所依据的办事指南"), {W, S, A, V, P, L}),
    ("volunteers:volunteer_list", _("志愿者"), _("志愿者、共建单位与服务时长"), {W, S, A, V, P}),
    ("renewal:project_list", _("旧区改造"), _("权证、补偿估算、签约进度"), {S, A, L}),
    ("resources:resource_list", _("共享资源"), _("琴房、活动室预约"), {W, S, A, P, R, V}),
    ("deeds:deed_list", _("实事项目"), _("我为群众办实事"), {W, S, A, L}),
    ("dashboard:index", _("数据看板"), _("三率、热点与进度"), {S, A, L}),
    ("insight:weekly", _("诉求热点"), _("同一区域反复出现的问题"), {W, S, A, L}),
    ("insight:index", _("智能分类"), _("分类建议模型与关键词"), {W, S, A}),
    ("org:region_list", _("辖区与单位"), _("区、街道、居委、网格及各单位"), {W, S, A, L}),
    ("audit:entry_list", _("审计日志"), _("谁在何时看了或改了什么"), {S, A}),
    ("cases:public_new", _("我要反映"), _("提出诉求，查询进度"), {R}),
]


def entries_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    roles = user.roles()
    items = []
    for name, label, description, allowed in ENTRIES:
        if not (roles & allowed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "description": description, "name": name})
    return items
