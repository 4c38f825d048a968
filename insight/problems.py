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
from dataclasses import dataclass
from pathlib import Path

from . import dialect

LEXICON = Path(__file__).resolve().parent / "data" / "problems.txt"


@dataclass(frozen=True)
class Entry:
    kind: str  # "物" or "症"
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


def problem_of(text: str, *, plain: bool = False) -> Problem:
    """Things and faults named in a text, in the order they are first said."""
    text = text if plain else dialect.normalise(text or "")
    things: list[tuple[int, str]] = []
    faults: list[tuple[int, str]] = []
    for e in entries():
        at = min((i for i in (text.find(w) for w in e.words) if i >= 0), default=-1)
        if at >= 0:
            (things if e.kind == "物" else faults).append((at, e.name))
            if e.implies:
                things.append((at, e.implies))
    return Problem(
        things=tuple(dict.fromkeys(n for _at, n in sorted(things))),
        faults=tuple(dict.fromkeys(n for _at, n in sorted(faults))),
    )


@dataclass(frozen=True)
class Comparison:
    #: how many things both name (1, 2 …), −1 different things, 0 unknown
    thing: int
    #: +1 a shared fault, −1 both faults known and none shared, 0 unknown
    fault: int
    label: str
    #: the shared thing is one a whole building shares (a sewer, not a flat's water heater)
    building_wide: bool = False


def compare(a: Problem, b: Problem) -> Comparison:
    shared_things = [t for t in a.things if t in b.things]
    shared_faults = [f for f in a.faults if f in b.faults]
    thing = len(shared_things) if shared_things else (-1 if a.things and b.things else 0)
    if shared_faults:
        fault = 1
    elif a.faults and b.faults:
        ok = compatible()
        fault = 0 if any((x, y) in ok for x in a.faults for y in b.faults) else -1
    else:
        fault = 0
    label = (shared_things[0] if shared_things else "") + (shared_faults[0] if shared_faults else "")
    return Comparison(
        thing=thing, fault=fault, label=label, building_wide=bool(shared_things and shared_things[0] in shared())
    )


def categories_of(text: str) -> list[str]:
    """Category codes hinted by the things a text names (first said first)."""
    by_name = {e.name: e.category for e in entries() if e.kind == "物" and e.category}
    return [by_name[t] for t in problem_of(text).things if t in by_name]
