"""What a need is about: the thing that is broken or the nuisance (物), and what is wrong with it (症).
Pure Python.

Two residents describe one crushed pipe as "粪管堵牢了" and "下水道反水，马桶冲不下去"; the same
building's "楼道灯不亮" is another problem. Comparing what each text is about, rather than how many
characters the texts share, tells these apart. The words are a data file,
``insight/data/problems.txt``, that staff may edit; a thing may name the category it usually
belongs to (a hint for category suggestions, see insight.textmodel).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from . import dialect

LEXICON = Path(__file__).resolve().parent / "data" / "problems.txt"


@dataclass(frozen=True)
class Entry:
    kind: str  # "物" (thing), "症" (fault) or "无" (words that name nothing)
    name: str
    category: str
    words: tuple[str, ...]
    #: for a fault: the thing it implies ("失联>独居老人")
    implies: str = ""


def _lines() -> list[list[str]]:
    if not LEXICON.exists():
        return []
    return [line.split() for line in LEXICON.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]


@functools.cache
def compatible() -> frozenset[tuple[str, str]]:
    """Pairs of faults one problem can show at once (lines "兼" of the lexicon)."""
    pairs: set[tuple[str, str]] = set()
    for parts in _lines():
        if parts[:1] == ["兼"]:
            pairs.update((x, y) for x in parts[1:] for y in parts[1:])
    return frozenset(pairs)


@functools.cache
def shared() -> frozenset[str]:
    """Things a whole building shares (lines "公" of the lexicon)."""
    return frozenset(t for parts in _lines() if parts[:1] == ["公"] for t in parts[1:])


@functools.cache
def entries() -> tuple[Entry, ...]:
    out = []
    for parts in _lines():
        if parts[:1] == ["无"]:
            # words that name nothing: they keep the shorter words inside them from counting
            out.append(Entry(kind="无", name="", category="", words=tuple(parts[1:])))
            continue
        if len(parts) < 3 or parts[0] not in ("物", "症"):
            continue
        name, _at, category = parts[1].partition("@")
        name, _gt, implies = name.partition(">")
        words = tuple(sorted(set(parts[2:])))
        out.append(Entry(kind=parts[0], name=name, category=category, words=words, implies=implies))
    return tuple(out)


@dataclass(frozen=True)
class Problem:
    things: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """ "污水管堵塞"; "" when nothing is known."""
        return (self.things[0] if self.things else "") + (self.faults[0] if self.faults else "")


@functools.cache
def personal() -> frozenset[str]:
    """Things that are about one person (lines "人" of the lexicon): two people named, two needs."""
    return frozenset(t for parts in _lines() if parts[:1] == ["人"] for t in parts[1:])


@functools.cache
def near() -> frozenset[tuple[str, str]]:
    """Pairs of things one need is often told by either (lines "近" of the lexicon)."""
    pairs: set[tuple[str, str]] = set()
    for parts in _lines():
        if parts[:1] == ["近"]:
            pairs.update((x, y) for x in parts[1:] for y in parts[1:])
    return frozenset(pairs)


@functools.cache
def _marks(kind: str) -> tuple[str, ...]:
    """The words of the lexicon's lines of one kind ("问", "结", "又", "别")."""
    return tuple(w for parts in _lines() if parts[:1] == [kind] for w in parts[1:])


#: a question told as one by whoever wrote it down: "居民问：…" (not "群里有人问：谁家养鸽子？")
_ASKED = re.compile(r"(?:居民|市民|来电人|家属|住户)问[:：，,]")
#: what a resident asks about when asking rather than reporting: money, entitlement, procedure, a new thing
_QUESTION_WORDS = ("要不要换", "要不要装", "能不能装", "可不可以装", "补贴", "多少钱", "摊多少", "要摊", "自家出",
                   "收费", "费用", "电梯费", "申请", "找啥人", "找谁", "选哪")  # fmt: skip


def asks(text: str) -> bool:
    """The need is a question (咨询, 来问, 要啥材料, "居民问：" …), not a report of something wrong."""
    return any(w in text for w in _marks("问")) or bool(_ASKED.search(text))


def question_form(text: str) -> bool:
    """The text is put as a question about money, entitlement or procedure ("…要不要换？", "…有补贴伐？").
    A report may end with a question too ("坏了三天了，什么时候来修？"), so the caller counts this only
    where nothing is said to be wrong."""
    return ("？" in text or "?" in text) and any(w in text for w in _QUESTION_WORDS)


#: a matter told as done, the way residents say it: "后来修好的", "后来园林来锯掉了", "后来填掉了"
_DONE_LATER = re.compile(r"后来[^，。；！？,;]{0,8}?(?:修好|弄好|换好|填掉|填平|拆掉|锯掉|清掉|处理掉|处理好|解决)")


def closed(text: str) -> bool:
    """The text tells of a matter already dealt with (已办结, 已修复, 后来修好的 …) and not of its
    coming back."""
    done = any(w in text for w in _marks("结")) or bool(_DONE_LATER.search(text))
    return done and not any(w in text for w in _marks("又"))


def elsewhere(text: str) -> bool:
    """The text says outright that it is about another place than one told before ("另一幢",
    "隔壁那一号", "跟上次不是一个地方"; lines "别")."""
    return any(w in text for w in _marks("别"))


@functools.cache
def _words() -> tuple[tuple[str, str, str], ...]:
    """(word, kind, entry name) for every word of the lexicon, longest words first."""
    out = [(w, e.kind, e.name) for e in entries() for w in e.words]
    return tuple(sorted(out, key=lambda t: -len(t[0])))


def problem_of(text: str, *, plain: bool = False) -> Problem:
    """Things and faults named in a text, in the order they are first said.

    A word inside a longer word of the same kind names nothing of its own: "路灯" is not also a
    "灯" of the stairwell, "装修垃圾" not also a renovation's noise. A fault that implies a thing
    ("失联" → 独居老人) adds it only when the text names no thing itself."""
    text = text if plain else dialect.normalise(text or "")
    taken: dict[str, list[tuple[int, int]]] = {"物": [], "症": [], "无": []}
    first: dict[tuple[str, str], int] = {}
    for word, kind, name in _words():
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            inside = taken["无"] if kind == "无" else taken[kind] + taken["无"]
            if not any(s <= start and end <= e for s, e in inside):
                taken[kind].append((start, end))
                if kind != "无":
                    first[(kind, name)] = min(first.get((kind, name), start), start)
            start = text.find(word, start + 1)
    things = [(at, name) for (kind, name), at in first.items() if kind == "物"]
    faults = [(at, name) for (kind, name), at in first.items() if kind == "症"]
    if not things:
        implied = {e.name: e.implies for e in entries() if e.kind == "症" and e.implies}
        things = [(at, implied[name]) for at, name in faults if implied.get(name)]
    return Problem(
        things=tuple(dict.fromkeys(n for _at, n in sorted(things))),
        faults=tuple(dict.fromkeys(n for _at, n in sorted(faults))),
    )


#: faults that say only that something is broken ("坏了", "故障"), not what
GENERIC_FAULTS = frozenset({"故障"})


@dataclass(frozen=True)
class Comparison:
    #: how many things both name (1, 2 …), −1 different things, 0 unknown
    thing: int
    #: +1 a shared fault, −1 both faults known and none shared, 0 unknown
    fault: int
    label: str
    #: the shared thing is one a whole building shares (a sewer, not a flat's water heater)
    building_wide: bool = False
    #: a thing either names is about one person (an elderly person not seen, a meal not delivered)
    personal: bool = False


def compare(a: Problem, b: Problem) -> Comparison:
    shared_things = [t for t in a.things if t in b.things]
    shared_faults = [f for f in a.faults if f in b.faults]
    if shared_things:
        thing = len(shared_things)
    elif a.things and b.things:
        # things often told by either ("垃圾" / "杂物") neither confirm nor contradict
        close = near()
        thing = 0 if any((x, y) in close for x in a.things for y in b.things) else -1
    else:
        thing = 0
    specific_a = [f for f in a.faults if f not in GENERIC_FAULTS]
    specific_b = [f for f in b.faults if f not in GENERIC_FAULTS]
    if specific_a and specific_b and not set(specific_a) & set(specific_b):
        # both say what exactly is wrong, and it differs: a shared "坏了" does not make it one fault
        # (a lamp that stays on and one that is off are both "坏了")
        ok = compatible()
        shared_faults = []
        fault = 0 if any((x, y) in ok for x in specific_a for y in specific_b) else -1
    elif shared_faults:
        fault = 1
    elif a.faults and b.faults:
        ok = compatible()
        fault = 0 if any((x, y) in ok for x in a.faults for y in b.faults) else -1
    else:
        fault = 0
    label = (shared_things[0] if shared_things else "") + (shared_faults[0] if shared_faults else "")
    return Comparison(
        thing=thing,
        fault=fault,
        label=label,
        building_wide=bool(shared_things and shared_things[0] in shared()),
        personal=bool(personal() & set(a.things + b.things)),
    )


def categories_of(text: str) -> list[str]:
    """Category codes hinted by the things a text names (first said first)."""
    by_name = {e.name: e.category for e in entries() if e.kind == "物" and e.category}
    return [by_name[t] for t in problem_of(text).things if t in by_name]
