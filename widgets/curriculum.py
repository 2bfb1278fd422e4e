"""Read the curriculum's content files (``widgets/content``).

Each module is written once, as data, in ``content/modules/NN_slug.toml``:
its title, summary, objectives, key points, timed segments and page blocks.
The module header, the landing page, the notebooks and the facilitator's plan
all read it from here.
"""
from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"
MODULES_DIR = CONTENT_DIR / "modules"

REQUIRED_KEYS = (
    "number", "slug", "title", "summary", "minutes", "content_note",
    "objectives", "key_points", "care_team", "segments", "blocks",
)
SEGMENT_KINDS = {"teaching", "exercise", "discussion", "break"}
EXERCISE_REQUIRED = ("id", "type", "scope", "title", "intro", "content_note")


class ContentError(ValueError):
    """A content file is missing something or does not add up."""


@dataclass(frozen=True)
class Segment:
    title: str
    kind: str
    minutes: int
    exercises: tuple[str, ...] = ()  # ids of the exercise blocks run in this part of the session


@dataclass(frozen=True)
class Module:
    number: int
    slug: str
    title: str
    summary: str
    minutes: int
    content_note: str
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]
    care_team: tuple[str, ...]
    segments: tuple[Segment, ...]
    blocks: tuple[dict, ...]
    source: Path = field(compare=False)

    @property
    def notebook_name(self) -> str:
        return f"{self.number:02d}_{self.slug}.ipynb"

    @property
    def exercises(self) -> list[dict]:
        return [b for b in self.blocks if b["kind"] == "exercise"]

    def exercise(self, exercise_id: str) -> dict:
        for block in self.exercises:
            if block["id"] == exercise_id:
                return block
        raise KeyError(f"module {self.number} has no exercise {exercise_id!r}")

    @property
    def prose(self) -> str:
        return "\n\n".join(b["text"] for b in self.blocks if b["kind"] == "prose")

    def minutes_by_kind(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for seg in self.segments:
            totals[seg.kind] = totals.get(seg.kind, 0) + seg.minutes
        return totals


def _segment_exercises(path: Path, segment: dict) -> tuple[str, ...]:
    named = segment.get("exercises", [])
    if not isinstance(named, list) or not all(isinstance(i, str) for i in named):
        raise ContentError(f"{path.name}: segment {segment.get('title')!r}: exercises must be a list of exercise ids")
    return tuple(named)


def _check_segment_exercises(path: Path, segments: tuple[Segment, ...], exercise_ids: set[str]) -> None:
    """Each id a segment names is an exercise on the page, named by one segment only."""
    seen: dict[str, str] = {}
    for seg in segments:
        for exercise_id in seg.exercises:
            if exercise_id not in exercise_ids:
                raise ContentError(f"{path.name}: segment {seg.title!r} names {exercise_id!r}, "
                                   "which is no exercise on this page")
            if exercise_id in seen:
                raise ContentError(f"{path.name}: exercise {exercise_id!r} is in two segments: "
                                   f"{seen[exercise_id]!r} and {seg.title!r}")
            seen[exercise_id] = seg.title


def _load_module(path: Path) -> Module:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    missing = [k for k in REQUIRED_KEYS if not data.get(k)]
    if missing:
        raise ContentError(f"{path.name}: missing {', '.join(missing)}")
    segments = tuple(
        Segment(s["title"], s["kind"], int(s["minutes"]), _segment_exercises(path, s)) for s in data["segments"]
    )
    bad = [s.kind for s in segments if s.kind not in SEGMENT_KINDS]
    if bad:
        raise ContentError(f"{path.name}: unknown segment kind {bad[0]!r}")
    total = sum(s.minutes for s in segments)
    if total != data["minutes"]:
        raise ContentError(
            f"{path.name}: segments add up to {total} minutes, not {data['minutes']}"
        )
    ids = set()
    for block in data["blocks"]:
        if block.get("kind") == "exercise":
            lacking = [k for k in EXERCISE_REQUIRED if not block.get(k)]
            if lacking:
                raise ContentError(f"{path.name}: exercise lacks {', '.join(lacking)}")
            if block["id"] in ids:
                raise ContentError(f"{path.name}: exercise id {block['id']!r} used twice")
            if block["scope"] not in ("private", "shared"):
                raise ContentError(f"{path.name}: scope must be private or shared")
            ids.add(block["id"])
        elif block.get("kind") != "prose":
            raise ContentError(f"{path.name}: a block is neither prose nor exercise")
    _check_segment_exercises(path, segments, ids)
    expected = f"{data['number']:02d}_{data['slug']}.toml"
    if path.name != expected:
        raise ContentError(f"{path.name}: should be named {expected}")
    return Module(
        number=int(data["number"]),
        slug=data["slug"],
        title=data["title"],
        summary=data["summary"],
        minutes=int(data["minutes"]),
        content_note=data["content_note"],
        objectives=tuple(data["objectives"]),
        key_points=tuple(data["key_points"]),
        care_team=tuple(data["care_team"]),
        segments=segments,
        blocks=tuple(data["blocks"]),
        source=path,
    )


@functools.cache
def modules() -> tuple[Module, ...]:
    """Every module, in order."""
    found = [_load_module(p) for p in sorted(MODULES_DIR.glob("[0-9][0-9]_*.toml"))]
    found.sort(key=lambda m: m.number)
    return tuple(found)


def module(number: int) -> Module:
    for m in modules():
        if m.number == number:
            return m
    raise KeyError(f"no module {number}")


def next_module(number: int) -> Module | None:
    later = [m for m in modules() if m.number > number]
    return later[0] if later else None


@functools.cache
@functools.lru_cache(maxsize=None)
def _content_file(name: str) -> dict:
    with (CONTENT_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def data(name: str) -> dict:
    """One of the shared content files, e.g. ``data("resources")`` (a fresh copy: safe to change)."""
    return copy.deepcopy(_content_file(name))


def text(key: str, **values: str) -> str:
    """A short interface string from ``content/ui.toml`` (dotted key)."""
    node = _content_file("ui")
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node


def condition_stop_rules() -> dict[str, tuple[str, ...]]:
    """Condition title -> its stop rules, from every ``cards`` exercise that has them (Module 2)."""
    found: dict[str, tuple[str, ...]] = {}
    for module in modules():
        for block in module.exercises:
            if block["type"] == "cards":
                for item in block.get("items", []):
                    if item.get("stop_rules"):
                        found.setdefault(item["title"], tuple(item["stop_rules"]))
    return found
