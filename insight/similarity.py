"""Are two needs the same issue? Place and text, without Django models.

Used for "possibly the same issue" (相似诉求) on intake and on every open case, and to cluster hot
spots. ``bench/bench_similar.py`` measures it on the labelled pairs in tests/data/similar_pairs.csv.

Place. The problem's place comes from the location text, then the title and description ("582弄11号
底楼"), then the reporter's address. A place is a building (路 + 弄 + 号), a lane (路 + 弄) or a
road. Two needs in the same building share the place fully; the same lane without a building on
one side, or addresses within ``NEARBY_METRES`` of each other, share it partly; two different
buildings share nothing: the same kind of problem in the next building is another case.

Text. Residents describe one blocked pipe in different words ("粪管堵了" / "下水道反水，马桶冲不下去").
Character bigrams alone miss that, so each text also gets concept tokens from a small lexicon of the
words residents use for the usual problems (``CONCEPTS``: 排水, 堵塞, 漏水, 照明 …). The similarity is
the cosine of the two bags (bigrams weight 1, concepts weight 3), after removing place names,
numbers and filler words ("希望尽快处理") that every need contains.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

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
)  # fmt: skip

_ROAD = r"[\u4e00-\u9fa5]{1,6}?(?:路|街|大街|巷|坊|新村)"
_PLACE = re.compile(rf"(?P<road>{_ROAD})?\s*(?:(?P<lane>\d+)\s*弄)?\s*(?:(?P<number>\d+)\s*号)?")
_NUMBERS = re.compile(r"[\d０-９]+\s*[弄号室楼层幢栋]?")
_NOISE = re.compile(r"[\s\W_a-zA-Z]+")


@dataclass(frozen=True)
class Place:
    road: str = ""
    lane: str = ""
    number: str = ""
    lat: float | None = None
    lon: float | None = None

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
            return self
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
        )


_ROAD_LEAD = "住在于家近到是的向从和与及对"


def _clean_road(road: str) -> str:
    while len(road) > 3 and road[0] in _ROAD_LEAD:
        road = road[1:]
    return road


def find_place(text: str) -> Place:
    """The first road/弄/号 mention in a text ("陕西南路582弄11号", "582弄11号", "蓬莱路100弄")."""
    best = Place()
    for m in _PLACE.finditer(text or ""):
        road = _clean_road(m.group("road") or "")
        lane, number = m.group("lane") or "", m.group("number") or ""
        if not (lane or number):
            if road and not best.road:
                best = Place(road=road)
            continue
        found = Place(road=road, lane=lane, number=number)
        return found.merged(best) if best.road and not road else found
    return best


def place_of(*, location_text: str = "", title: str = "", description: str = "", address=None) -> Place:
    """The problem's place: location text, then title and description, then the reporter's address."""
    place = find_place(location_text)
    for text in (title, description):
        if place.building:
            break
        place = place.merged(find_place(text)) if place.label else find_place(text)
    if address is not None:
        home = Place(
            road=address.road or "",
            lane=address.lane or "",
            number=address.number or "",
            lat=float(address.latitude) if address.latitude is not None else None,
            lon=float(address.longitude) if address.longitude is not None else None,
        )
        place = place.merged(home) if place.label else home
    return place


def metres(a: Place, b: Place) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
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


def _strip_places(text: str) -> str:
    text = _PLACE.sub(lambda m: "" if (m.group("lane") or m.group("number")) else m.group(0), text or "")
    return _NUMBERS.sub(" ", text)


def bag(text: str) -> Counter:
    """Character bigrams (filler removed) plus weighted concept tokens."""
    text = _strip_places(text)
    concepts = [c for c, words in CONCEPTS.items() if any(w in text for w in words)]
    for word in FILLER:
        text = text.replace(word, " ")
    bag: Counter = Counter()
    for chunk in _NOISE.split(text):
        for i in range(len(chunk) - 1):
            bag[chunk[i : i + 2]] += 1
    for c in concepts:
        bag["#" + c] += CONCEPT_WEIGHT
    return bag


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


@dataclass(frozen=True)
class Need:
    """What the comparison looks at: the words, the place, the region and when."""

    text: str
    place: Place
    region_id: int | None = None
    category: str = ""

    @classmethod
    def of(cls, *, title="", description="", location_text="", address=None, region_id=None, category=""):
        return cls(
            text=f"{title} {description}",
            place=place_of(location_text=location_text, title=title, description=description, address=address),
            region_id=region_id,
            category=category,
        )


# What counts as "possibly the same issue" (tuned on the dev half of tests/data/similar_pairs.csv).
#: minimum text similarity for each place score: same building, same lane, nearby, same road, same grid only
TEXT_NEEDED = {1.0: 0.22, 0.7: 0.35, 0.6: 0.40, 0.3: 0.45, 0.0: 0.50}


def same_issue_score(a: Need, b: Need, *, bags: tuple[Counter, Counter] | None = None) -> tuple[float, dict]:
    """A score in 0–1 (≥ 0.5 means "possibly the same issue") and the reasons, for the page."""
    ta, tb = bags or (bag(a.text), bag(b.text))
    text = cosine(ta, tb)
    place = place_score(a.place, b.place)
    if place == 0.0:
        # both places known and different: another building or lane is another case
        differs = bool(a.place.building and b.place.building) or bool(
            a.place.lane_key and b.place.lane_key and a.place.lane_key != b.place.lane_key
        )
        same_grid = a.region_id is not None and a.region_id == b.region_id and not differs
        key = 0.0 if same_grid else None
    else:
        key = place
    reasons = {"text": round(text, 2), "place": place}
    if key is None:
        return 0.0, reasons
    needed = TEXT_NEEDED[key]
    # at the needed similarity the score is 0.5, at a perfect match 1.0
    score = 0.5 + 0.5 * (text - needed) / (1 - needed) if text >= needed else 0.5 * text / needed
    if a.category and a.category == b.category and a.category != "other":
        score = min(1.0, score + 0.05)
    return round(score, 3), reasons


def is_same_issue(a: Need, b: Need) -> bool:
    return same_issue_score(a, b)[0] >= 0.5
