"""What the OpenAPI document says about every operation: summary, description, examples and the errors it can
answer, in one place (a drf-spectacular postprocessing hook, ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).

Who relies on this: integrators reading /api/docs/ or /api/docs/redoc/, the client generated from the schema in
``minhu/tests/test_api_schema.py``, and that test, which fails when an operation has no summary, description or
example, or when a real answer does not match its schema.

1. ``OPERATIONS`` gives each operation (by operationId) a summary and a description, and optionally a request and
   a response example written by hand; an operation without a hand-written response example gets one built from
   its schema (``example_for``), so every example is valid by construction — the test checks that too.
2. ``errors(...)`` — the shared responses: 400, 401, 403, 404, 409, 429 and 503 with the ``Error`` body
   (``{"detail": "中文说明"}``; a 400 for bad fields also names each field with its messages). The hook adds to
   every operation the ones it can answer: 401/403 unless it is public, 404 when the path names an object, 400 and
   409 for writes, 429 and 503 always. ``extend_schema(responses={..., **errors(409)})`` declares them on a view.
"""

import copy

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误：detail 是给人看的中文说明；字段校验失败（400）时，另以字段名为键列出该字段的各条说明。",
    "properties": {
        "detail": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "中文说明",
        }
    },
    # a 400 for fields: each field's messages (a list of strings); a 409 may add the object it conflicts with
    # (the ticket already taken at a desk)
    "additionalProperties": {},
    "example": {"detail": "您没有受理诉求的权限。"},
}

ERRORS = {
    400: (
        "请求有误：缺少或填错了字段、参数，或业务规则不允许（见 detail 与各字段的说明）。",
        {"title": ["该字段是必填项。"]},
    ),
    401: (
        "未认证：缺少或带了无效的凭据。请求头 Authorization: Token <密钥>；响应带 WWW-Authenticate: Token。",
        {"detail": "身份认证信息未提供。"},
    ),
    403: ("无权限：已认证，但您的角色不能执行此操作。", {"detail": "您没有执行该操作的权限。"}),
    404: ("不存在，或不在您的辖区范围内（二者答复相同）。", {"detail": "未找到。"}),
    409: (
        "冲突：对象已被他人修改，或已不处于允许此操作的状态（如诉求已派单）。重新读取后再决定。",
        {"detail": "诉求 HP20261207001 已被他人处理，当前状态：已派单。"},
    ),
    429: ("请求过于频繁：请按 Retry-After 头的秒数稍后重试。", {"detail": "请求超过了限速。"}),
    503: ("服务暂不可用（维护或升级中）：请按 Retry-After 头稍后重试。", {"detail": "服务暂不可用，请稍后重试。"}),
}


def errors(*codes) -> dict:
    """``{code: OpenApiResponse}`` with the Error body, for ``extend_schema(responses=...)`` on a view."""
    body = inline_serializer("Error", {"detail": serializers.CharField()})
    return {code: OpenApiResponse(response=body, description=ERRORS[code][0]) for code in codes}


# operationId -> summary, description and optional hand-written examples ("request", "response").
OPERATIONS = {
    "regions_list": (
        "辖区列表",
        "您可见的辖区（区、街道、居委会、网格），按层级路径排序。创建诉求、居民时填写的 region 即此处的 id。",
    ),
    "regions_retrieve": ("一个辖区", "辖区的名称、类型和上级；不在您范围内的辖区答复 404。"),
    "units_list": ("单位列表", "科室、居委会、共建单位、物业等。派单时 unit 填此处的 id。"),
    "units_retrieve": ("一个单位", "单位的名称、类型和所属辖区。"),
    "tags_list": ("居民标签", "独居、孤老、残疾、低保等标签的全部列表（不分页）。"),
    "tags_retrieve": ("一个居民标签", "标签的名称与说明。"),
    "addresses_list": ("地址列表", "您辖区内登记的地址（路、弄、号、室）。"),
    "addresses_create": ("登记地址", "在您管辖的居委会或网格登记一个地址；同一地址已存在时答复 400。"),
    "addresses_retrieve": ("一个地址", "地址的各部分、所属网格和坐标。"),
    "households_list": ("户列表", "您辖区内的户，含地址。"),
    "households_create": ("登记户", "在一个地址上登记一户。"),
    "households_retrieve": ("一户", "户名、地址与所属辖区。"),
    "residents_list": ("居民列表", "您辖区内的居民；身份证号和手机号脱敏显示。可按姓名、标签、辖区筛选。"),
    "residents_create": ("登记居民", "登记一位居民；身份证号须通过校验，重复登记答复 400。写入审计日志。"),
    "residents_retrieve": ("一位居民", "居民的基本信息（脱敏）；查看记入审计日志。"),
    "residents_update": (
        "修改居民",
        "整体修改一位居民。带上次读到的 updated_at：期间被他人修改过则拒绝，请重新读取后再改。",
    ),
    "residents_partial_update": ("修改居民的部分字段", "只修改给出的字段；其余同“修改居民”。"),
    "residents_reveal_create": ("查看完整身份证号和手机号", "仅限有个人信息权限的角色；每次查看都记入审计日志。"),
    "cases_list": ("诉求列表", "您范围内的诉求，最新在前；可按状态、分类、辖区筛选，分页返回。"),
    "cases_create": (
        "受理一件诉求",
        "登记一件诉求并按分类规则派给承办单位（可自动派单）。带 Idempotency-Key 请求头时，同一个键重复提交只受理"
        "一次：第一次 201，之后 200 并返回同一件诉求。",
        {
            "request": {
                "title": "楼道灯不亮",
                "description": "蓬莱路121弄3号二楼楼道灯坏了一周，老人晚上上下楼不方便。",
                "region": 12,
                "category": "repair",
                "reporter_name": "王阿姨",
                "reporter_phone": "13900001234",
                "location_text": "蓬莱路121弄3号",
            }
        },
    ),
    "cases_retrieve": ("一件诉求及其进展", "诉求的状态、时限和时间线（工作人员可见内部记录，其他人只见公开记录）。"),
    "cases_dispatch_create": (
        "派单",
        "把待派单的诉求派给主办单位（街道派单员或有派单权的角色）。已派过单的诉求答复 409。",
        {"request": {"unit": 3, "note": "请物业两日内修复。"}},
    ),
    "cases_accept_create": ("签收", "承办单位签收已派给本单位的诉求。", {"request": {"note": "已签收，明天上门。"}}),
    "cases_resolve_create": (
        "办结",
        "承办单位填写办理结果，诉求进入待回访；结果会通知反映人。",
        {"request": {"note": "已更换楼道灯，居民确认恢复照明。"}},
    ),
    "cases_visit_create": (
        "回访并结案",
        "记录居民对办理结果的评价：满意或基本满意即结案（状态 visited）；不满意须写原因，诉求退回原单位重办。",
        {"request": {"verdict": "satisfied", "note": "电话回访，居民表示满意。"}},
    ),
    "insight_suggest_create": ("推荐诉求分类", "按诉求文字给出最可能的 3 个分类及把握度；不写入任何数据。"),
    "insight_cases_suggestion_retrieve": (
        "一件诉求的分类推荐",
        "该诉求最近一次的分类推荐（或现场计算），以及相似诉求。",
    ),
    "insight_hotspots_list": ("热点", "您辖区内最近的诉求热点：同一地点、同一类问题集中出现。"),
    "events_desks_take_create": (
        "在咨询台取号",
        "居民在服务活动的咨询台取号（无需登录）。同一人在同一台已有未完成的号时答复 409，并附上已有的号。",
    ),
    "events_desks_call_next_create": ("叫下一个号", "咨询台工作人员叫号；无人等候时答复 204。"),
    "resources_list": ("共享资源", "可预约的社区资源（活动室、场地、设备）。"),
    "resources_retrieve": ("一项共享资源", "资源的说明、开放时间和预约规则。"),
    "resources_slots_list": ("资源的可约时段", "未来 7 天的时段，free 表示尚可预约。"),
    "bookings_list": ("我的预约", "当前用户的预约，最新在前。"),
    "bookings_create": ("预约资源", "预约一个时段；与规则不符（时段已满、超出次数）时答复 400 并给出中文原因。"),
    "bookings_cancel_create": ("取消预约", "取消自己的一个预约。"),
    "public_stories_list": ("实事宣传稿", "已发布的实事宣传稿（无需登录），最新在前；?region=<街道 id> 只看一个街道。"),
    "public_stories_retrieve": ("一篇实事宣传稿", "已发布宣传稿的全文（无需登录）；未发布的答复 404。"),
    "audit_entries_list": ("审计日志", "您范围内的审计记录（谁在何时查看或修改了什么）；只读，不能修改或删除。"),
    "audit_entries_retrieve": ("一条审计记录", "审计记录的全部字段；只读。"),
}

# What each schema component is, for the reader of the document (Paginated… and …Request are derived below).
COMPONENTS = {
    "Address": "地址：路、弄、号、室（弄号室不带单位字），所属网格，坐标（WGS-84，可空）。",
    "AuditEntry": "一条审计记录：谁、何时、对什么对象、做了什么（查看或修改），以及所在辖区。",
    "BlankEnum": "空字符串：该选项未填写。",
    "Booking": "一个资源预约：时段、状态与预约人。",
    "BookingCreate": "预约一个资源时段：资源、开始和结束时间。",
    "Case": "诉求（列表中的一条）：编号、标题、分类、辖区、状态、主办单位、时限与回访评价。",
    "CaseCreate": "受理诉求时提交的内容。",
    "CaseDetail": "诉求的全部信息，加上时间线 events（工作人员可见内部记录，其他人只见公开记录）。",
    "CaseEvent": "诉求时间线上的一条记录：时间、类型、经办人和说明。",
    "CaseSuggestion": "一件诉求的分类推荐，以及可能是同一问题的相似诉求。",
    "Day": "资源某一天的时段；closed 为当天不开放的原因（开放时为空）。",
    "DispatchInput": "派单：主办单位和给承办单位的说明。",
    "HotSpot": "诉求热点：同一地点、同一类问题在近期集中出现，heat 越大越需要关注。",
    "Household": "户：户名、地址与所属辖区。",
    "NoteInput": "一句说明（可空）。",
    "PublicStory": "已发布的实事宣传稿：标题、摘要、正文（HTML）、分类、署名、辖区，及所属实事项目（可空）。",
    "Region": "辖区：区、街道、居委会或网格，path 为层级路径。",
    "Resident": "居民（身份证号、手机号脱敏）：姓名、性别、出生日期、辖区、户、与户主关系、标签。",
    "ResidentInput": "登记或修改居民时提交的内容；身份证号和手机号只写不读。",
    "HouseholdInput": "登记户时提交的内容：地址（须在您的辖区）和户名。",
    "AddressInput": "登记地址时提交的内容。",
    "ResidentReveal": "一位居民完整的身份证号和手机号（每次查看都记入审计日志）。",
    "ResolveInput": "办结：办理结果（回访时告诉居民的答复）。",
    "Resource": "可预约的共享资源：名称、类型、辖区、预约规则。",
    "Similar": "一件相似诉求，score 为相似度，reason 为相似之处。",
    "Slot": "一个时段：起止时间与状态（free 可约、taken 已约、mine 我的、held 候补保留、past 已过）。",
    "SuggestRequest": "要推荐分类的诉求文字（和可选的辖区）。",
    "Suggestion": "分类推荐：来源（模型或关键词规则）、模型版本、自动派单阈值和前 3 个分类。",
    "Tag": "居民标签（独居、孤老、残疾、低保等）。",
    "TakeIn": "在咨询台取号：姓名、手机、优先原因和设备标识。",
    "TicketOut": "排队号：号码、状态、前面还有几人。",
    "Top": "一个推荐分类：编码、名称、把握度（0–1），以及派单规则指定的单位。",
    "Unit": "单位：科室、居委会、共建单位、物业等，及所属辖区。",
    "VisitInput": "回访：居民的评价和说明（不满意时必填原因）。",
}


def _component_description(name: str) -> str:
    if name in COMPONENTS:
        return COMPONENTS[name]
    if name.startswith("Paginated") and name.endswith("List"):
        item = name[len("Paginated") : -len("List")]
        return f"一页 {item}：count 为总条数，next/previous 为前后页的地址（没有时为空），results 为本页的条目。"
    if name.endswith("Request") and name[: -len("Request")] in COMPONENTS:
        return COMPONENTS[name[: -len("Request")]]
    return ""


# Values an example shows for a field of this name (else by type and format below).
_BY_NAME = {
    "id": 1,
    "number": "HP20261207001",
    "title": "楼道灯不亮",
    "name": "蓬莱路第一网格",
    "description": "蓬莱路121弄3号二楼楼道灯坏了一周。",
    "note": "已联系居民。",
    "category": "repair",
    "region": "蓬莱路第一网格",
    "main_unit": "老西门街道城运中心",
    "reporter_name": "王阿姨",
    "reporter_phone_masked": "139****1234",
    "phone_masked": "139****1234",
    "id_number_masked": "3101**********1234",
    "actor_name": "张三（居委）",
    "path": "0001.0002.0003",
    "road": "蓬莱路",
    "lane": "121",
    "room": "201",
    "version": 1,
    "verdict": "",
}


def _resolve(schema, components):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example_for(schema, components, name: str = "", depth: int = 0):
    """A value valid against ``schema`` (OpenAPI 3.0), with domain-looking values for known field names."""
    schema = _resolve(schema, components)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            options = [_resolve(s, components) for s in schema[key]]
            if key == "allOf":
                merged: dict = {}
                for option in options:
                    properties = {**merged.get("properties", {}), **option.get("properties", {})}
                    merged = {**merged, **option, "properties": properties}
                return example_for(merged, components, name, depth)
            return example_for(options[0], components, name, depth)
    if "enum" in schema:
        values = [v for v in schema["enum"] if v not in ("", None)] or schema["enum"]
        return values[0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            key: example_for(sub, components, key, depth + 1)
            for key, sub in schema.get("properties", {}).items()
            if not sub.get("writeOnly")
        }
    if kind == "array":
        return [example_for(schema.get("items", {}), components, name, depth + 1)] if depth < 4 else []
    if name in _BY_NAME and kind in ("string", "integer", None):
        value = _BY_NAME[name]
        if (kind == "integer") == isinstance(value, int):
            return value
    fmt = schema.get("format")
    if kind == "integer":
        return 1
    if kind == "number":
        return "31.218000" if fmt == "decimal" else 1.5
    if kind == "boolean":
        return True
    if fmt == "date-time":
        return "2026-12-07T09:30:00+08:00"
    if fmt == "date":
        return "2026-12-07"
    if fmt == "time":
        return "09:30:00"
    if fmt in ("uri", "url"):
        return "https://minhu.example.cn/media/photo.jpg"
    if fmt == "decimal":
        return "12.50"
    return "示例"


def _status_errors(method: str, path: str, public: bool) -> list[int]:
    codes = [400]
    if not public:
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    if method in ("post", "put", "patch", "delete"):
        codes.append(409)
    return [*codes, 429, 503]


def postprocess(result, generator, request, public):
    """The drf-spectacular hook: see the module docstring."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for name, component in components.items():
        if not component.get("description") and _component_description(name):
            component["description"] = _component_description(name)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            key = operation.get("operationId", "")
            doc = OPERATIONS.get(key)
            if doc is not None:
                # the view's docstring covers all of a viewset's actions: each operation gets its own words
                operation["summary"], operation["description"] = doc[0], doc[1]
                hand = doc[2] if len(doc) > 2 else {}
            else:
                hand = {}
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if "request" in hand:
                    media["example"] = hand["request"]
                elif "schema" in media:
                    media["example"] = example_for(media["schema"], components)
            for code, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    if "response" in hand and code.startswith("2"):
                        media["example"] = hand["response"]
                    elif "schema" in media and "example" not in media:
                        media["example"] = example_for(media["schema"], components)
            is_public = {} in (operation.get("security") or [])
            for code in _status_errors(method, path, is_public):
                description, example = ERRORS[code]
                operation["responses"].setdefault(
                    str(code),
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}
                        },
                    },
                )
    return result
