"""Reading a place out of what a resident said: road, lane (弄), number (号 / 号楼 / 幢 / 栋), room (室)
or a landmark, and how sure the reading is. Pure Python, no Django.

Residents do not dictate addresses, they talk: "伊住建国西路120弄", "我家在嘉善路…", "阿姐为了复兴中路
那边的事体", "五八二弄十一号", "老西门地铁站3号口旁边". Reading "伊住建国西路" as a road named
"伊住建国西路" makes two reports of one pipe look like two places, so:

1. Numbers are made plain first: full-width digits and Chinese numerals before 弄/号/室/幢/栋/楼
   ("五八二弄十一号" → "582弄11号").
2. A road is taken from the gazetteer when it can be (``insight/data/shanghai_roads.txt`` and any
   roads a deployment adds with ``add_roads``, e.g. those of ``people.Address``): the longest known
   road that ends where the text's road ends. Sure.
3. Otherwise the words before 路/街/大道 are trimmed of the speaker's words ("我家在", "伊住",
   "来电人讲" …, ``SPEAKER_WORDS``) and then cut with jieba, keeping the last word and a direction
   (建国 + 西路). Less sure.
4. A landmark (a metro station, "X站3号口", a market or estate named in
   ``insight/data/shanghai_landmarks.txt``) is kept when no lane or number is said.

``certainty`` says how much to lean on the reading: a sure reading may decide that two needs are in
different buildings; an unsure one only adds or takes a little (insight.similarity).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

#: words residents and call-takers put before an address; removed from the front of a road's name
SPEAKER_WORDS = (
    "来电人讲", "来电人说", "来电人称", "来电人反映", "来电反映", "来电人", "市民反映", "居民反映", "反映人",
    "诉求人", "阿姐为了", "阿姐", "阿哥", "阿婆", "阿爷", "爷叔", "阿姨", "老伯伯", "老太太", "老伯",
    "我家在", "我家住在", "我家住", "我屋里", "我家", "我住在", "我住", "阿拉屋里", "阿拉住在", "阿拉住",
    "阿拉", "伊住在", "伊住", "伊拉住", "伊拉", "伊屋里", "伊", "他家在", "他家住", "他家", "他住在", "他住",
    "她家在", "她家住", "她家", "她住在", "她住", "家住在", "家住", "住在", "居住在", "位于", "地址在", "地址",
    "就在", "是在", "靠近", "靠", "近", "对面", "旁边", "门口", "那边", "这边", "为了", "关于", "有关",
    "反映", "讲", "说", "称", "在", "住", "于", "到", "是", "的", "从", "和", "与", "及", "对", "向", "沿",
)  # fmt: skip

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}  # fmt: skip
_CN_UNIT = {"十": 10, "廿": 20, "卅": 30, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(r"[零〇一幺二两三四五六七八九十廿卅百千]+(?=\s*(?:支弄|弄|号|室|幢|栋|座|楼|层|单元))")
_GROUND = re.compile(r"底楼|底层")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

_ROAD_END = r"(?:[东南西北中]?[一二三四五六七八九]?路|大道|公路|大街|街|巷)(?![灯面边上段道坊线牌])"
_ROAD = re.compile(rf"[\u4e00-\u9fa5]{{1,10}}?{_ROAD_END}")
_LANE = r"(?P<lane>\d{1,4})\s*(?:支弄|弄)"
_NUMBER = r"(?P<number>\d{1,4})\s*(?:号楼(?![道梯])|号(?![线口床出])|幢|栋|座)"
_UNIT = r"(?:(?P<unit>\d{1,2})\s*单元)"
_FLOOR = r"(?:(?P<floor>\d{1,2})\s*(?:楼|层)(?![下上道梯]))"
_ROOM = r"(?:(?P<room>\d{2,4})\s*(?:室|房间)?)"
#: lane, number, room in the usual order, each optional ("582弄11号201室", "582弄", "11号楼", "3号201")
_NUMBERS = re.compile(rf"(?:{_LANE})?\s*(?:{_NUMBER})?(?:\s*{_ROOM})?")
_LANDMARK_SUFFIX = re.compile(
    r"(?P<name>[\u4e00-\u9fa5]{2,6}?)(?:地铁站|地铁|站)(?:[\u4e00-\u9fa5]{0,6}?(?P<exit>\d{1,2})\s*号(?:出入|出)?口)?"
    r"|(?P<estate>[\u4e00-\u9fa5]{2,5}?(?:菜场|菜市场|小学|中学|幼儿园|医院|公园|新村|小区|花园|公寓|大楼|广场|苑"
    # a lane of 石库门 houses is "…里" (步高里); "屋里", "夜里", "老市里面" are not
    r"|(?<![屋家这那哪夜心手城店院村弄楼房间子厢堂市场])里(?![面头边厢向外])))"
)


def cn_number(text: str) -> int | None:
    """ "五八二" → 582, "五百八十二" → 582, "十一" → 11, "一百零三" → 103; None if not a number."""
    if not text:
        return None
    if all(c in _CN_DIGIT for c in text):
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in _CN_DIGIT:
            current = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            total += (current or 1) * _CN_UNIT[c] if c in "十百千" else _CN_UNIT[c]
            current = 0
        else:
            return None
    return total + current


def plain_numbers(text: str) -> str:
    """Full-width digits and Chinese numerals before 弄/号/室/幢/栋/楼 as ASCII digits."""
    text = (text or "").translate(_FULL_WIDTH)

    def repl(m):
        n = cn_number(m.group(0))
        return str(n) if n is not None else m.group(0)

    text = _GROUND.sub("1楼", _CN_NUMBER.sub(repl, text))
    # "252-7号" and "252弄-7号" are written for 252弄7号
    return _DASHED.sub(r"\1弄\2号", text)


_DASHED = re.compile(r"(?<![\d-])(\d{1,4})\s*弄?\s*[-－—]\s*(\d{1,4})\s*号")


def _read_list(name: str) -> list[str]:
    path = DATA / name
    if not path.exists():
        return []
    return [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip() and not s.startswith("#")]


class Gazetteer:
    """Known road and landmark names; the longest known road ending at a position wins.

    A road may have other names ("陕西南路 陕南路" on one line); a short name made of the first
    character and the direction ("乌南路" for 乌鲁木齐南路) is known too unless two roads share it or
    it is a road of its own. Every name reads as the road's full name."""

    def __init__(self, roads=(), landmarks=()):
        self.roads: dict[str, str] = {}
        self.landmarks: set[str] = set()
        self._longest = 0
        self._short: dict[str, set[str]] = {}
        self.add_roads(roads)
        self.landmarks.update(landmarks)

    def _add(self, name: str, road: str) -> None:
        self.roads[name] = road
        self._longest = max(self._longest, len(name))

    def add_roads(self, roads) -> None:
        for line in roads:
            names = (line or "").split()
            if not names or len(names[0]) < 2:
                continue
            road = names[0]
            for name in names:
                self._add(name, road)
            m = _SHORT.match(road)
            if m:
                self._short.setdefault(m.group(1) + m.group(2), set()).add(road)
        for short, owners in self._short.items():
            if len(owners) == 1 and self.roads.get(short, next(iter(owners))) == next(iter(owners)):
                self._add(short, next(iter(owners)))

    def road_ending(self, text: str) -> str:
        """The full name of the longest known road that ``text`` ends with ("伊住建国西路" → "建国西路",
        "陕南路" → "陕西南路"), or ""."""
        for n in range(min(self._longest, len(text)), 1, -1):
            road = self.roads.get(text[-n:])
            if road:
                return road
        return ""


_SHORT = re.compile(r"^([\u4e00-\u9fa5])[\u4e00-\u9fa5]+([东南西北中]路)$")


@functools.cache
def gazetteer() -> Gazetteer:
    """The shipped lists; a deployment's own roads are added with ``add_roads``."""
    return Gazetteer(_read_list("shanghai_roads.txt"), _read_list("shanghai_landmarks.txt"))


def add_roads(roads) -> None:
    """Teach the reader a deployment's roads (``people.Address.road``, region names ending in 路)."""
    gazetteer().add_roads(roads)
    _read.cache_clear()


_SPEAKER = sorted(set(SPEAKER_WORDS), key=len, reverse=True)


def _trim_speaker(name: str) -> str:
    """Remove speaker words from the front of a road's name while a road is left."""
    changed = True
    while changed:
        changed = False
        for word in _SPEAKER:
            if name.startswith(word) and len(name) - len(word) >= 2:
                name = name[len(word) :]
                changed = True
                break
    return name


def _jieba_road(name: str) -> str:
    """The last jieba word before the road's ending, with the ending ("住建国西路" → "建国西路")."""
    import jieba  # noqa: PLC0415 — importing jieba costs more than half a second; only this path needs it

    jieba.setLogLevel(logging.WARNING)
    m = re.search(_ROAD_END + "$", name)
    end = m.group(0) if m else ""
    words = jieba.lcut(name[: len(name) - len(end)]) if end else []
    if not words:
        return name
    stem = words[-1]
    # a one-character stem is usually half a name that jieba cut ("复兴" is kept whole, "嘉善" too)
    if len(stem) == 1 and len(words) >= 2:
        stem = words[-2] + stem
    return stem + end


def read_road(candidate: str) -> tuple[str, float]:
    """(road, certainty) from the words that end with 路/街/大道."""
    known = gazetteer().road_ending(candidate)
    if known:
        return known, 1.0
    trimmed = _trim_speaker(candidate)
    known = gazetteer().road_ending(trimmed)
    if known:
        return known, 1.0
    if len(trimmed) <= 4:
        return trimmed, 0.7
    return _jieba_road(trimmed), 0.5


@dataclass(frozen=True)
class Reading:
    """One place read from a text."""

    road: str = ""
    lane: str = ""
    number: str = ""
    room: str = ""
    unit: str = ""
    floor: str = ""
    #: the other road of a crossing ("陕西南路复兴中路口": road 陕西南路, cross 复兴中路)
    cross: str = ""
    landmark: str = ""
    #: 0 nothing read; ~0.5 a guess; 1 read from the gazetteer or given as an address
    certainty: float = 0.0


_ROADS_AND_NUMBERS = re.compile(
    rf"(?P<road>{_ROAD.pattern})?\s*(?=\d)(?:{_LANE})?\s*(?:{_NUMBER})?\s*{_UNIT}?\s*{_FLOOR}?(?:\s*{_ROOM})?"
)
_ROAD_ENDING = re.compile(_ROAD_END)


def _known_roads(text: str) -> list[tuple[int, str]]:
    """(position, road) of every gazetteer road in the text, in order."""
    g = gazetteer()
    found = []
    for m in _ROAD_ENDING.finditer(text):
        road = g.road_ending(text[: m.end()])
        if road:
            found.append((m.end() - len(road), road))
    return found


@functools.lru_cache(maxsize=20_000)
def _read(text: str) -> Reading:
    known = _known_roads(text)
    for m in _ROADS_AND_NUMBERS.finditer(text):
        lane, number, room = m.group("lane") or "", m.group("number") or "", m.group("room") or ""
        if not (lane or number):
            continue
        road, sure = read_road(m.group("road")) if m.group("road") else ("", 0.0)
        if not road:
            # "582弄11号" with the road said before ("陕西南路那条弄堂，582弄11号")
            before = [r for pos, r in known if pos < m.start()]
            if before:
                road, sure = before[-1], 0.8
            else:
                # an estate stands for the road: "康乐小区3号楼"
                estate = _landmark(text[: m.start()])
                if estate.endswith(_ESTATES):
                    road, sure = estate, 0.7
        certainty = 0.9 if not road else 0.4 + 0.6 * sure
        return Reading(
            road=road, lane=lane, number=number, room=room, unit=m.group("unit") or "",
            floor=m.group("floor") or "", certainty=round(certainty, 2),
        )  # fmt: skip
    landmark = _landmark(text)
    if known:
        return Reading(road=known[0][1], cross=_crossing(text, known), landmark=landmark, certainty=0.5)
    if landmark:
        return Reading(landmark=landmark, certainty=0.4)
    return Reading()


_CROSS = re.compile(r"\s*(?:和|与|跟|近|靠近|交界|交叉|、|/)?\s*")


def _crossing(text: str, known: list[tuple[int, str]]) -> str:
    """The second road of a crossing said right after the first ("陕西南路复兴中路口", "建国西路近嘉善路")."""
    if len(known) < 2:
        return ""
    (pos1, first), (pos2, second) = known[0], known[1]
    between = text[pos1 + len(first) : pos2]
    return second if second != first and len(between) <= 3 and _CROSS.fullmatch(between) else ""


#: words after which an estate's name starts ("伊拉住在曹杨新村" → 曹杨新村)
_ESTATE_LEAD = ("住在", "家在", "在", "住", "是", "的", "到", "去")


def _after_speaker(name: str) -> str:
    cut = max((name.rfind(w) + len(w) for w in _ESTATE_LEAD if w in name[:-2]), default=0)
    return name[cut:] if len(name) - cut >= 3 else name


_ESTATES = ("小区", "新村", "花园", "公寓", "大楼", "里", "坊", "苑")


def _landmark(text: str) -> str:
    g = gazetteer()
    for m in _LANDMARK_SUFFIX.finditer(text):
        name = m.group("name") or m.group("estate") or ""
        exit_ = f"站{m.group('exit')}号口" if m.group("exit") else ""
        for n in range(len(name), 1, -1):
            if name[-n:] in g.landmarks or (m.group("name") and g.roads.get(name[-n:]) == name[-n:]):
                return name[-n:] + exit_
        if m.group("estate"):
            trimmed = _after_speaker(_trim_speaker(name))
            if len(trimmed) >= 3:
                return trimmed
    # a landmark said by name: the first in the text (the longest there); a two-character name only
    # with a word of place after it ("文庙门口", not every "文庙" in a sentence)
    found = []
    for name in g.landmarks:
        at = text.find(name)
        while at >= 0:
            if len(name) >= 3 or _NEAR_WORD.match(text, at + len(name)):
                found.append((at, -len(name), name))
                break
            at = text.find(name, at + 1)
    return min(found)[2] if found else ""


_NEAR_WORD = re.compile(r"门口|旁边|边上|附近|后面|对面|里面|前面|周边|周围|那里|这里|一带|门前|出口|入口")


def read(text: str) -> Reading:
    """The first address in a text (road, lane, number, room) or, without numbers, its road or landmark."""
    return _read(plain_numbers(text or ""))


def strip(text: str) -> str:
    """The text without what ``read`` would take as an address, and without the gazetteer's roads
    and landmarks (for comparing what is said: the place is compared on its own)."""
    text = plain_numbers(text or "")
    text = _ROADS_AND_NUMBERS.sub(lambda m: " " if (m.group("lane") or m.group("number")) else m.group(0), text)
    g = gazetteer()
    cuts = []
    for m in _ROAD_ENDING.finditer(text):
        # the longest name of the gazetteer (or other name: 陕南路) ending here
        for n in range(min(g._longest, m.end()), 1, -1):
            if text[m.end() - n : m.end()] in g.roads:
                cuts.append((m.end() - n, m.end()))
                break
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text
