"""Are two needs the same issue? What, where and when, each compared on its own. No Django models.

Used for "possibly the same issue" (相似诉求) on intake and on every open case, and to cluster hot
spots. ``manage.py similar_evaluate`` and ``bench/bench_similar.py`` measure it on labelled pairs.

Several residents of one lane describe one crushed pipe in their own words, on the phone, at a desk,
on a visit; Minhu must see one issue, and never glue two different problems together. So a pair is
judged on three questions, each answered on its own and each allowed to say "don't know":

- **What** (insight.problems): the thing broken or the nuisance (污水管, 电梯, 楼道灯 …) and what is
  wrong with it (堵塞, 不亮 …). The same thing counts for, two different things count strongly
  against (same building, different complaint). Beside it, the cosine of the two texts' character
  bigrams and concept tokens (``bag``) after the speaker's dialect is made plain (insight.dialect).
- **Where** (insight.address): road, lane (弄), number (号), landmark, each reading with a certainty.
  The same building counts strongly for; different buildings count against by as much as the two
  readings are sure — only two sure readings veto. An uncertain or missing place neither vetoes nor
  confirms.
- **When**: reports weeks apart count against (the candidates are already within the window).

The answers are added as evidence (log-odds) and squashed to a score in 0–1; "possibly the same
issue" means ``score >= THRESHOLD`` (0.5), the threshold the intake form and the case page use.
Each answer that counted gives a short reason in Chinese ("同一地址 · 同一问题：污水管堵塞").
The weights were set on the open labelled pairs only (tests/data/similar_pairs.csv and
tests/data/dev/similar_pairs.csv); docs/insight.md gives the protocol and the figures.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from . import address, dialect, problems

#: concept → words residents use for it. A text containing any of the words gets the concept token.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "排水": ("粪管", "下水道", "下水管", "污水管", "排污管", "污水", "化粪池", "马桶", "窨井", "排水", "地漏", "阴沟",
             "总管", "粪水", "雨水管"),
    "堵塞": ("堵", "不通", "冒水", "倒灌", "漫出", "溢出", "反水", "返水", "冒出来", "冲不下去", "排不出", "积水"),
    "漏水": ("漏水", "渗水", "滴水", "水渍", "渗漏", "漏雨", "发霉"),
    "照明": ("路灯", "楼道灯", "灯不亮", "灯坏", "黑漆漆", "照明", "灯泡", "声控灯", "看不见"),
    "电梯": ("电梯", "轿厢", "困人", "停运"),
    "噪音": ("噪音", "吵", "装修声", "扰民", "广场舞", "敲打", "电钻", "睡不着"),
    "垃圾": ("垃圾", "建筑垃圾", "垃圾桶", "清运", "苍蝇"),
    "堆物": ("堆物", "杂物", "堆了", "堆放", "堆满", "旧家具", "废弃家具", "纸箱", "走不过去"),
    "异味": ("臭", "异味", "气味", "味道", "熏"),
    "停车": ("停车", "车位", "乱停", "占道", "堵门", "挡住"),
    "电瓶车": ("电瓶车", "电动车", "飞线", "充电"),
    "虫害": ("老鼠", "蟑螂", "蚊子", "白蚁", "虫"),
    "绿化": ("树枝", "树木", "绿化", "修剪", "倒伏", "树叶", "大树"),
    "供水": ("停水", "没水", "水压", "水小", "自来水", "水龙头"),
    "爆管": ("水管爆", "水管裂", "水管破", "爆管", "漫到", "全是水", "水漫"),
    "供电": ("停电", "跳闸", "断电", "电线", "电表"),
    "燃气": ("煤气", "燃气", "漏气", "气味刺鼻"),
    "外墙": ("墙皮", "脱落", "外墙", "空鼓", "坠落", "掉下来", "砸"),
    "屋顶": ("屋顶", "天花板", "顶楼", "瓦片"),
    "门禁": ("门禁", "铁门", "防盗门", "门锁", "单元门", "大门"),
    "快递": ("快递", "包裹", "外卖", "驿站"),
    "消防": ("消防", "灭火器", "消防通道", "烟感"),
    "独居": ("独居", "没人应", "敲门", "联系不上", "好几天没见"),
    "助餐": ("送餐", "助餐", "吃饭", "饭菜", "餐"),
    "遗产": ("继承", "遗产", "遗嘱", "过户"),
    "租房": ("租房", "房东", "押金", "租金", "租客", "群租"),
    "医保": ("医保", "报销", "住院", "看病", "配药"),
    "养老金": ("养老金", "退休金", "认证", "社保"),
    "邻里": ("邻居", "邻里", "吵架", "不肯", "不理"),
    "道路": ("人行道", "地砖", "路面", "坑", "井盖"),
}  # fmt: skip
CONCEPT_WEIGHT = 3.0
NEARBY_METRES = 150.0

# Words every need contains: they make unrelated needs look alike.
FILLER = (
    "希望", "尽快", "解决", "处理", "反映", "居民", "问题", "我们", "现在", "已经", "没有", "一个", "情况", "请求",
    "帮忙", "相关", "部门", "麻烦", "谢谢", "请问", "严重", "影响", "生活", "多次", "一直", "好几", "几天", "这个",
    "那个", "还是", "什么", "怎么", "可以", "能否", "是否", "物业", "居委", "小区", "家里", "住户", "我家", "楼里",
    "上门", "看看", "一下", "最近", "今天", "昨天", "晚上", "白天", "早上", "里面", "外面", "门口",
    "投诉", "我要", "扰民", "附近", "旁边", "边上",
)  # fmt: skip

#: "possibly the same issue" at or above this score (intake form, case page, merge hint)
THRESHOLD = 0.5

_NOISE = re.compile(r"[\s\W_a-zA-Z0-9]+")


@dataclass(frozen=True)
class Place:
    """Where a need is: a building (路 + 弄 + 号), a lane (路 + 弄), a road, or a landmark."""

    road: str = ""
    lane: str = ""
    number: str = ""
    lat: float | None = None
    lon: float | None = None
    room: str = ""
    unit: str = ""
    #: the other road of a crossing ("陕西南路复兴中路口")
    cross: str = ""
    landmark: str = ""
    #: how sure the reading is (insight.address): 1 given as an address or read from the gazetteer
    certainty: float = 1.0

    @property
    def building(self) -> str:
        """ "陕西南路582弄11号"; empty unless the lane or road and the number are known."""
        if not self.number or not (self.lane or self.road):
            return ""
        return f"{self.road}{self.lane and self.lane + '弄'}{self.number}号"

    @property
    def lane_key(self) -> str:
        """ "陕西南路582弄" (a lane, or a road number without lane); empty when unknown."""
        if self.lane:
            return f"{self.road}{self.lane}弄"
        if self.road and self.number:
            return f"{self.road}{self.number}号"
        return ""

    @property
    def label(self) -> str:
        return self.building or self.lane_key or self.road

    def merged(self, other: Place) -> Place:
        """This place, its gaps filled from ``other`` where they agree (same road or lane)."""
        if not other.label:
            return (
                self if self.landmark or not other.landmark else Place(**{**self.__dict__, "landmark": other.landmark})
            )
        if self.road and other.road and self.road != other.road:
            return self
        if self.lane and other.lane and self.lane != other.lane:
            return self
        return Place(
            road=self.road or other.road,
            lane=self.lane or other.lane,
            number=self.number or (other.number if (self.lane or other.lane) == other.lane else ""),
            lat=self.lat if self.lat is not None else other.lat,
            lon=self.lon if self.lon is not None else other.lon,
            room=self.room or other.room,
            unit=self.unit or other.unit,
            cross=self.cross or other.cross,
            landmark=self.landmark or other.landmark,
            certainty=self.certainty if self.label else other.certainty,
        )


def find_place(text: str) -> Place:
    """The first road/弄/号 mention in a text ("陕西南路582弄11号", "582弄11号", "蓬莱路100弄"),
    else its road or landmark (insight.address)."""
    r = address.read(text)
    return Place(
        road=r.road, lane=r.lane, number=r.number, room=r.room, unit=r.unit, cross=r.cross, landmark=r.landmark,
        certainty=r.certainty or 0.0,
    )  # fmt: skip


#: a location field filled in on the form is an address, not words: at least this sure
LOCATION_CERTAINTY = 0.9
#: the reporter's home is where the problem is less often than the words say
HOME_CERTAINTY = 0.6


def place_of(*, location_text: str = "", title: str = "", description: str = "", address=None) -> Place:
    """The problem's place: location text, then title and description, then the reporter's address."""
    place = find_place(location_text)
    if place.label:
        place = Place(**{**place.__dict__, "certainty": max(place.certainty, LOCATION_CERTAINTY)})
    for text in (title, description):
        if place.building:
            break
        place = place.merged(find_place(text)) if place.label else find_place(text).merged(place)
    if address is not None:
        home = Place(
            road=address.road or "",
            lane=address.lane or "",
            number=address.number or "",
            lat=float(address.latitude) if address.latitude is not None else None,
            lon=float(address.longitude) if address.longitude is not None else None,
            certainty=HOME_CERTAINTY,
        )
        place = place.merged(home) if place.label else home.merged(place)
    return place


def metres(a: Place, b: Place) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(h))


def place_score(a: Place, b: Place) -> float:
    """1 same building; 0.7 same lane with a building unknown on one side; 0.6 within NEARBY_METRES;
    0.3 same road, unknown numbers; 0 different buildings or nothing known. A road missing on one
    side ("582弄11号") is taken to be the other's."""
    roads_agree = not (a.road and b.road) or a.road == b.road
    if a.building and b.building:
        return 1.0 if roads_agree and (a.lane, a.number) == (b.lane, b.number) else 0.0
    if a.lane and roads_agree and a.lane == b.lane:
        return 0.7
    d = metres(a, b)
    if d is not None and d <= NEARBY_METRES:
        return 0.6
    if a.road and a.road == b.road and not (a.lane and b.lane):
        return 0.3
    return 0.0


@dataclass(frozen=True)
class Where:
    """How two places compare: ``relation`` for code, ``phrase`` for people, ``sure`` 0–1."""

    relation: str  # same_building, same_lane, nearby, same_road, same_landmark, different, unknown
    sure: float
    phrase: str = ""
    #: in one building: "unit" (另一单元) or "room" (另一户) when both said and they differ
    flat: str = ""
    #: two different places told exactly enough to veto whatever the readings' certainty (two
    #: crossings of gazetteer roads: each is a point)
    decisive: bool = False


#: how sure two lane or house numbers that were both said are: digits are rarely misread
NUMBERS_SURE = 0.9
#: how sure two different roads of the gazetteer are different places
ROADS_SURE = 0.8
#: how sure two different stations or landmarks of the gazetteer are different places
LANDMARKS_SURE = 0.9
#: how sure two different crossings of gazetteer roads are different places (a crossing is a point)
CROSSINGS_SURE = 1.0
VETO_CROSSINGS = True
#: how sure a number said without road or lane ("8号") tells the building
LONE_NUMBER_SURE = 0.6


def compare_places(a: Place, b: Place) -> Where:
    roads_differ = bool(a.road and b.road and a.road != b.road)
    # numbers said on both sides are compared as they are; a missing road is taken from the other
    sure = NUMBERS_SURE if (a.road == b.road or not (a.road and b.road)) else min(a.certainty, b.certainty)
    if a.building and b.building and not roads_differ:
        if (a.lane, a.number) == (b.lane, b.number):
            flat = "unit" if a.unit and b.unit and a.unit != b.unit else ""
            flat = flat or ("room" if a.room and b.room and a.room != b.room else "")
            building = a.building if len(a.building) >= len(b.building) else b.building
            return Where("same_building", sure, f"同一地址：{building}", flat)
        if a.lane and b.lane and a.lane != b.lane:
            return Where("different", sure, "不同弄堂")
        return Where("different", sure, "不同楼栋")
    if a.lane and b.lane and not roads_differ:
        if a.lane == b.lane:
            return Where("same_lane", sure, f"同一弄堂：{(a.road or b.road)}{a.lane}弄")
        return Where("different", sure, "不同弄堂")
    if a.number and b.number and not (a.lane and b.lane) and (not (a.road or a.lane) or not (b.road or b.lane)):
        # a number said alone ("8号一楼", "511号401") against the other's address: the same number
        # is probably the same building (a lane's number 8 less surely), another number another one
        other = a if (a.road or a.lane) else b
        if a.number != b.number:
            return Where("different", LONE_NUMBER_SURE, "不同楼栋")
        if other.lane:
            return Where("same_lane", LONE_NUMBER_SURE, f"同一门牌：{other.lane}弄{other.number}号")
        return Where("same_building", LONE_NUMBER_SURE, f"同一地址：{other.building or other.number + '号'}")
    d = metres(a, b)
    if d is not None:
        return Where("nearby", 1.0, "距离很近") if d <= NEARBY_METRES else Where("different", 0.5, "相距较远")
    if _exits_of_one_station(a.landmark, b.landmark):
        # a station's exits are more exact than the road the station is named after
        return _compare_landmarks(a.landmark, b.landmark)
    if a.road and b.road:
        return _compare_roads(a, b)
    if a.landmark and b.landmark:
        return _compare_landmarks(a.landmark, b.landmark)
    return Where("unknown", 0.0)


def _exits_of_one_station(a: str, b: str) -> bool:
    """Both landmarks are exits of one station ("陕西南路站3号口" / "陕西南路站1号口")."""
    sa, _, ea = a.partition("站")
    sb, _, eb = b.partition("站")
    return bool(sa and sa == sb and ea and eb)


def _compare_roads(a: Place, b: Place) -> Where:
    """Two places known by their roads only (and perhaps a crossing)."""
    known = address.gazetteer().roads

    def sure_if_known(*roads: str) -> float:
        # roads of the gazetteer are surely what they say; a guessed name ("长乐村路") only perhaps
        return ROADS_SURE if all(r in known for r in roads) else min(a.certainty, b.certainty) * 0.8

    if a.road != b.road:
        if a.cross and b.cross and {a.road, a.cross} != {b.road, b.cross}:
            # two crossings that share one road ("西藏南路复兴东路口" / "河南南路复兴东路口"): a crossing
            # is a point, two of them surely two places
            if sure_if_known(a.road, a.cross, b.road, b.cross) == ROADS_SURE:
                return Where("different", CROSSINGS_SURE, "不同路口", decisive=VETO_CROSSINGS)
            return Where("different", ROADS_SURE / 2, "不同路口")
        shared = {a.road, a.cross} & {b.road, b.cross} - {""}
        if shared:
            # one crossing told from either road ("陕西南路复兴中路口" / "复兴中路靠近陕西南路")
            return Where("same_road", min(a.certainty, b.certainty), f"同一路口：{shared.pop()}")
        # different roads: a corner building can be told by either
        return Where("different", sure_if_known(a.road, b.road), "不同道路")
    if a.cross and b.cross and a.cross != b.cross:
        # one road near two different crossings ("复兴东路近河南南路口" / "复兴东路近西藏南路口")
        if sure_if_known(a.cross, b.cross) == ROADS_SURE:
            return Where("different", CROSSINGS_SURE, "同一条路的不同路段", decisive=VETO_CROSSINGS)
        return Where("different", sure_if_known(a.cross, b.cross), "同一条路的不同路段")
    return Where("same_road", min(a.certainty, b.certainty), f"同一条路：{a.road}")


def _compare_landmarks(a: str, b: str) -> Where:
    sa, _, ea = a.partition("站")
    sb, _, eb = b.partition("站")
    if sa == sb and ea and eb and ea != eb:
        return Where("different", 0.9, "同一车站的不同出口")
    if sa == sb:
        return Where("same_landmark", 0.8, f"同一地点：{sa}")
    # two stations or landmarks of the gazetteer are surely two places; estates read from the
    # words ("康乐小区") less surely
    g = address.gazetteer()
    known = all(s in g.landmarks or g.roads.get(s) == s for s in (sa, sb))
    return Where("different", LANDMARKS_SURE if known else 0.3, "不同地点")


def _strip_places(text: str) -> str:
    return address.strip(text)


def plain_text(text: str) -> str:
    """What is said, without the address and in plain words (dialect and hotline phrasing made plain)."""
    return dialect.normalise(_strip_places(text))


def bag(text: str) -> Counter:
    """Character bigrams (filler removed) plus weighted concept tokens."""
    text = plain_text(text)
    concepts = [c for c, words in CONCEPTS.items() if any(w in text for w in words)]
    for word in FILLER:
        text = text.replace(word, " ")
    bag: Counter = Counter()
    for chunk in _NOISE.split(text):
        for i in range(len(chunk) - 1):
            bag[chunk[i : i + 2]] += 1
    for c in concepts:
        bag["#" + c] += CONCEPT_WEIGHT  # type: ignore[assignment]  # float weights (typeshed's Counter counts ints)
    return bag


def _norm(bag: Counter) -> float:
    # kept on the bag: a look-up compares one bag with hundreds of cached ones
    norm = getattr(bag, "norm_", None)
    if norm is None:
        norm = bag.norm_ = math.sqrt(sum(v * v for v in bag.values()))  # type: ignore[attr-defined]
    return norm


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    dot = sum(v * get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / (_norm(a) * _norm(b))


#: common surnames (the hundred most common, less those that are also everyday words: 于 向 方 万 任 …)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "沈姚卢姜崔钟谭陆汪范金廖贾夏韦付邹孟熊秦邱尹薛闫雷侯史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤殷施诸俞"
)
#: how residents, call-takers and visit notes name a person: 王阿婆, 王某, 王老伯, 王师傅 …
_PERSON = re.compile(
    rf"([{SURNAMES}])(?:阿婆|阿姨|阿奶|阿爷|阿公|阿娘|老伯伯|老伯|伯伯|老太太|老太|老先生|老师傅|师傅|爷叔|大爷|大妈|"
    r"奶奶|爷爷|阿姐|阿哥|阿叔|先生|女士|老人|某某|某)"
)


#: who is speaking or writing down, not whom the need is about ("来电人张某反映隔壁王阿婆…")
_REPORTER = re.compile(r"(?:来电人|来电者|市民|诉求人|反映人|网格员|志愿者|社工|楼组长|工作人员)$")


def persons(text: str) -> frozenset[str]:
    """Surnames of the people a text is about ("李阿婆", "李某" → 李): one person told by a neighbour,
    a hotline call and a visit note. A reporter named ("来电人张某") is not counted."""
    text = text or ""
    return frozenset(m.group(1) for m in _PERSON.finditer(text) if not _REPORTER.search(text, 0, m.start()))


@dataclass(frozen=True)
class Need:
    """What the comparison looks at: the words, the place, the region, the category and when."""

    text: str
    place: Place
    region_id: int | None = None
    category: str = ""
    at: datetime.datetime | None = None
    title: str = field(default="", compare=False)

    @classmethod
    def of(cls, *, title="", description="", location_text="", address=None, region_id=None, category="", at=None):
        return cls(
            text=f"{title} {description}",
            place=place_of(location_text=location_text, title=title, description=description, address=address),
            region_id=region_id,
            category=category,
            at=at,
            title=title or "",
        )

    @functools.cached_property
    def persons(self) -> frozenset[str]:
        return persons(self.text)

    @functools.cached_property
    def plain(self) -> str:
        """The text without its address, in plain words (read once, used by every comparison)."""
        return plain_text(self.text)

    @functools.cached_property
    def asks(self) -> bool:
        if problems.asks(self.plain):
            return True
        return problems.question_form(self.plain) and not self.problem.faults

    @functools.cached_property
    def closed(self) -> bool:
        return problems.closed(self.plain)

    @functools.cached_property
    def elsewhere(self) -> bool:
        return problems.elsewhere(self.text)

    @functools.cached_property
    def problem(self) -> problems.Problem:
        return problems.problem_of(self.plain, plain=True)


# Evidence, in log-odds, for "the same issue". Fitted (logistic regression, then rounded, kept monotone:
# a building says more than a lane, a lane more than a road) on the open pairs of tests/data/,
# tests/data/dev/ and tests/data/spent/, each set also held out in turn (docs/insight.md).
TEXT_WEIGHT = 2.0
#: text similarity that is neither for nor against
TEXT_NEUTRAL = 0.42
PLACE_WEIGHT = {"same_building": 2.1, "same_lane": 1.2, "nearby": 1.0, "same_road": 0.8, "same_landmark": 0.6}
#: against, per unit of certainty, for two different places; two readings this sure veto
PLACE_AGAINST = 6.0
VETO_CERTAINTY = 0.85
THING_FOR, THING_AGAINST = 1.5, 4.0
FAULT_FOR, FAULT_AGAINST = 2.5, 3.5
#: against: another grid of the neighbourhood, a lot when nothing else says where
OTHER_GRID, OTHER_GRID_NO_PLACE = 2.0, 7.5
#: against: neither a place nor a grid says where (two needs of a whole neighbourhood are seldom one)
NO_PLACE = 1.0
#: for: the same person named on both sides ("李阿婆" / "李某")
PERSON_FOR = 1.0
#: against: different people named for a need about one person (problems.txt, lines "人")
PERSON_AGAINST = 6.0
WEEKS_APART = 1.0
CATEGORY_FOR = 0.2
#: against: a question and a report of something wrong ("电梯停运" / "咨询加装电梯的费用")
ASK_AGAINST = 6.0
#: against: one text says outright it is about another place ("另一幢楼的单元门也坏了")
ELSEWHERE_AGAINST = 3.0


def _surely_apart(a: Place, b: Place, where: Where) -> bool:
    """Two places read surely enough, and different: the place alone vetoes."""
    if where.relation != "different":
        return False
    return where.decisive or (a.certainty >= VETO_CERTAINTY and b.certainty >= VETO_CERTAINTY and where.sure >= 0.5)


def surely_apart(a: Need, b: Need) -> bool:
    """The two needs' places alone say they are not one issue (``same_issue_score`` would be at most
    0.1): a look-up skips the rest of the comparison for them."""
    return _surely_apart(a.place, b.place, compare_places(a.place, b.place))


def _place_evidence(a: Need, b: Need, where: Where, what) -> tuple[float, list[str], bool]:
    """The place's part of the score: (log-odds, phrases, veto)."""
    if where.relation == "unknown":
        return 0.0, [], False
    if where.relation == "different":
        return -PLACE_AGAINST * where.sure, [where.phrase], _surely_apart(a.place, b.place, where)
    z, phrases = PLACE_WEIGHT[where.relation] * max(where.sure, 0.5), [where.phrase]
    if where.flat == "unit" or (where.flat == "room" and not what.building_wide):
        # another stairway's lift, another flat's water heater: another case
        phrases.append("不同单元" if where.flat == "unit" else "不同住户")
        return z, phrases, True
    return z, phrases, False


def _what_and_who_evidence(a: Need, b: Need, what, phrases: list[str]) -> float:
    """The problem's and the person's part of the score (log-odds); appends their phrases."""
    z = 0.0
    if what.thing > 0:
        z += THING_FOR * min(what.thing, 2)
    elif what.thing < 0:
        z -= THING_AGAINST
        phrases.append("不同问题：" + "／".join(dict.fromkeys([a.problem.things[0], b.problem.things[0]])))
    # a fault says something only of the same thing: two things that leak are not one leak
    if what.fault > 0 and what.thing >= 0:
        z += FAULT_FOR
    elif what.fault < 0 and what.thing >= 0:
        z -= FAULT_AGAINST
    if what.thing > 0 or (what.fault > 0 and what.thing == 0):
        phrases.append("同一问题：" + (what.label or a.problem.label))
    if a.asks != b.asks:
        z -= ASK_AGAINST
        phrases.append("一为咨询或建议，一为报告问题")
    if a.elsewhere or b.elsewhere:
        z -= ELSEWHERE_AGAINST
        phrases.append("说明是另一处")
    same_person = a.persons & b.persons
    if same_person:
        z += PERSON_FOR
        phrases.append("同一居民：" + "、".join(f"{name}某" for name in sorted(same_person)))
    elif len(a.persons) == 1 and len(b.persons) == 1 and what.personal:
        # 李阿婆's meal and 王老伯's meal are two needs (for a sewer, two names are two reporters); one
        # side naming two people may be a neighbour speaking of another, so only one against one
        z -= PERSON_AGAINST
        phrases.append("不同居民")
    return z


def same_issue_score(a: Need, b: Need, *, bags: tuple[Counter, Counter] | None = None) -> tuple[float, dict]:
    """A score in 0–1 (≥ THRESHOLD means "possibly the same issue") and the reasons.

    The reasons hold ``text`` (cosine 0–1), ``place`` (``place_score``), ``where`` (the relation of
    the two places), ``problem`` (the shared problem, "污水管堵塞", or ""), ``phrases`` (short Chinese
    phrases, each a reason that counted) and ``summary`` (the phrases joined with " · ")."""
    ta, tb = bags or (bag(a.text), bag(b.text))
    text = cosine(ta, tb)
    where = compare_places(a.place, b.place)
    what = problems.compare(a.problem, b.problem)
    z, phrases, veto = _place_evidence(a, b, where, what)
    z += TEXT_WEIGHT * (text - TEXT_NEUTRAL)
    if where.relation == "unknown" and (a.region_id is None or b.region_id is None):
        z -= NO_PLACE
    if a.region_id is not None and b.region_id is not None:
        if a.region_id != b.region_id:
            z -= OTHER_GRID if where.relation not in ("unknown", "same_landmark") else OTHER_GRID_NO_PLACE
            if where.relation in ("unknown", "different"):
                phrases.append("不同网格")
        elif where.relation == "unknown":
            phrases.append("同一网格")
    z += _what_and_who_evidence(a, b, what, phrases)
    if a.closed != b.closed:
        # a matter told as dealt with ("已修复，已办结") and a new report ("今朝又漏了"): the
        # recurrence is a new case, however alike the words
        phrases.append("一件已办结")
        veto = True
    if a.category and a.category == b.category and a.category != "other":
        z += CATEGORY_FOR
    if a.at is not None and b.at is not None and abs((a.at - b.at).total_seconds()) > 14 * 86400:
        z -= WEEKS_APART
        phrases.append("时间相隔两周以上")
    phrases.append(f"描述相似度 {text * 100:.0f}%")
    score = 1 / (1 + math.exp(-z))
    if veto:
        score = min(score, 0.1)
    reasons = {
        "text": round(text, 2),
        "place": place_score(a.place, b.place),
        "where": where.relation,
        "problem": what.label,
        "phrases": phrases,
        "summary": " · ".join(phrases),
    }
    return round(score, 3), reasons


def is_same_issue(a: Need, b: Need) -> bool:
    return same_issue_score(a, b)[0] >= THRESHOLD
