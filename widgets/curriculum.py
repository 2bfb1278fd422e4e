"""Read the curriculum's content files (``widgets/content``).

Each module is written once, as data, in ``content/modules/NN_slug.toml``:
its title, summary, objectives, key points, timed segments and page blocks.
The module header, the landing page, the notebooks and the facilitator's plan
all read it from here.
"""
from __future__ import annotations

import copy
import functools
import html
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import locations, settings

CONTENT_DIR = locations.CONTENT
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
    sources: tuple[dict, ...] = field(default=(), compare=False)  # [[sources]]: where the medical facts come from

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


def _load_module(path: Path, locale: str = settings.DEFAULT_LOCALE) -> Module:
    data = copy.deepcopy(_localised(path, locale))
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
    sources = _checked_sources(path.name, data.get("sources", []))
    _check_citations(path.name, data["blocks"], {s["id"] for s in sources})
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
        sources=sources,
    )


# -- languages: a locale folder overrides the English files key by key ------------------------

LOCALES_DIR = CONTENT_DIR / "locales"
_LOCALE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_chosen_locale = ""  # set by use_locale() (a notebook parameter); "" means: as the environment says


def use_locale(code: str) -> None:
    """Choose the language of this kernel's pages (e.g. from a papermill parameter); "" follows
    the locale in :mod:`widgets.settings` (its ``LOCALE_ENV`` variable)."""
    global _chosen_locale
    if code and not _LOCALE_CODE.match(code):
        raise ContentError(f"locale {code!r} should look like 'en', 'fr' or 'pt-BR'")
    _chosen_locale = code


def current_locale() -> str:
    """The language the words come in: :func:`use_locale`'s choice, else the environment's, else English."""
    code = _chosen_locale or settings.current().locale or settings.DEFAULT_LOCALE
    return code if _known_code(code) else settings.DEFAULT_LOCALE


@functools.lru_cache(maxsize=64)
def _known_code(code: str) -> bool:
    return bool(_LOCALE_CODE.match(code))


def language_tag() -> str:
    """The page's ``lang`` attribute: the locale's own ``[meta] lang`` in ui.toml, else its code."""
    meta = _content_file("ui").get("meta", {})
    return meta.get("lang") or current_locale()


def locale_dir(code: str) -> Path | None:
    """``content/locales/<code>`` when it exists (English is the base files themselves: None)."""
    if code == settings.DEFAULT_LOCALE or not _LOCALE_CODE.match(code):
        return None
    folder = LOCALES_DIR / code
    return folder if folder.is_dir() else None


def _overlay(base: dict, override: dict) -> dict:
    """``base`` with ``override`` laid over it: tables merge key by key; anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _overlay(out[key], value)
        else:
            out[key] = value
    return out


@functools.cache
def _localised(path: Path, locale: str) -> dict:
    """One content file as the locale has it: the English file, with the locale's file of the same
    relative name (if any) laid over it key by key."""
    with path.open("rb") as fh:
        found = tomllib.load(fh)
    own = locale_dir(locale)
    if own is not None:
        twin = own / path.relative_to(CONTENT_DIR)
        if twin.is_file():
            with twin.open("rb") as fh:
                found = _overlay(found, tomllib.load(fh))
    return found


@functools.cache
def _modules(locale: str) -> tuple[Module, ...]:
    found = [_load_module(p, locale) for p in sorted(MODULES_DIR.glob("[0-9][0-9]_*.toml"))]
    found.sort(key=lambda m: m.number)
    check_reads(found)
    return tuple(found)


def modules() -> tuple[Module, ...]:
    """Every module, in order (in the current language)."""
    return _modules(current_locale())


def module(number: int) -> Module:
    for m in modules():
        if m.number == number:
            return m
    raise KeyError(f"no module {number}")


def next_module(number: int) -> Module | None:
    later = [m for m in modules() if m.number > number]
    return later[0] if later else None


# -- answer keys: the one place that spells them -----------------------------------------------

def answer_key(module_number: int, exercise_id: str, field_id: str = "") -> str:
    """Where an answer is kept in the journal: ``mNN/<exercise>/<field>``.

    With no ``field_id`` it is the exercise's prefix (ending in "/"), under which all its
    answers are kept. Saved answers are found by these keys: never change the scheme,
    and never rename an exercise id or a field id that people may have answered.
    """
    return f"m{int(module_number):02d}/{exercise_id}/{field_id}"


@dataclass(frozen=True)
class ExerciseRef:
    """Another exercise whose answers a block reads, as its ``reads`` in content declares."""

    module: int
    exercise: str
    block: dict = field(compare=False, repr=False)

    @property
    def scope(self) -> str:
        """Where its answers are kept: "shared" (the couple's space) or "private" (each person's own)."""
        return self.block["scope"]

    def key(self, field_id: str = "") -> str:
        return answer_key(self.module, self.exercise, field_id)


def _resolve_reads(block: dict, by_number: dict[int, Module], where: str) -> dict[str, tuple[ExerciseRef, ...]]:
    declared = block.get("reads", {})
    if not isinstance(declared, dict):
        raise ContentError(f"{where}: reads must be a table of lists, e.g. reads.wins = [{{ module = 6, exercise = \"...\" }}]")
    out = {}
    for purpose, refs in declared.items():
        if not isinstance(refs, list) or not refs:
            raise ContentError(f"{where}: reads.{purpose} must be a list of {{ module = N, exercise = \"id\" }}")
        found = []
        for ref in refs:
            number, exercise_id = (ref.get("module"), ref.get("exercise")) if isinstance(ref, dict) else (None, None)
            target = by_number.get(number) if isinstance(number, int) else None
            if target is None or not isinstance(exercise_id, str):
                raise ContentError(f"{where}: reads.{purpose} names {ref!r}, which is no module's exercise")
            try:
                found.append(ExerciseRef(number, exercise_id, target.exercise(exercise_id)))
            except KeyError:
                raise ContentError(f"{where}: reads.{purpose} names exercise {exercise_id!r} of Module {number}, "
                                   "which has no such exercise") from None
        out[purpose] = tuple(found)
    return out


def check_reads(found) -> None:
    """Every ``reads`` of every exercise names an exercise that exists (else ``ContentError``)."""
    by_number = {m.number: m for m in found}
    for m in found:
        for block in m.exercises:
            _resolve_reads(block, by_number, f"{m.source.name}: exercise {block['id']!r}")


def reads(block: dict, purpose: str) -> tuple[ExerciseRef, ...]:
    """The exercises ``block`` declares it reads for ``purpose`` (its ``reads.<purpose>`` in content)."""
    by_number = {m.number: m for m in modules()}
    return _resolve_reads(block, by_number, f"exercise {block.get('id')!r}").get(purpose, ())


def _content_file(name: str) -> dict:
    """A shared content file in the current language (cached; do not change it: see :func:`data`)."""
    return _content_file_in(name, current_locale())


@functools.cache
def _content_file_in(name: str, locale: str) -> dict:
    return _localised(CONTENT_DIR / f"{name}.toml", locale)


def data(name: str) -> dict:
    """One of the shared content files, e.g. ``data("resources")`` (a fresh copy: safe to change)."""
    return copy.deepcopy(_content_file(name))


def text(key: str, **values: str) -> str:
    """A short interface string from ``content/ui.toml`` (dotted key)."""
    node = _content_file("ui")
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node


def html_text(key: str, **values) -> str:
    """``text(key, ...)``, escaped for HTML (the words and any values filled in)."""
    return html.escape(text(key, **values))


# -- sources and stop rules (every medical statement says where it comes from) -----------

SOURCE_KINDS = {
    "health-service", "charity", "guideline", "review", "research",
    "professional-body", "public-service", "health-information", "manufacturer",
}
SOURCE_REQUIRED = ("id", "title", "publisher", "kind")
SHARED_RULES_FILE = "shared_rules"
_SOURCE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _checked_sources(where: str, entries) -> tuple[dict, ...]:
    """A ``[[sources]]`` list, checked: each has an id, title, publisher and kind; ids are unique."""
    if not isinstance(entries, list):
        raise ContentError(f"{where}: sources must be a list of [[sources]] tables")
    seen: set[str] = set()
    for entry in entries:
        lacking = [k for k in SOURCE_REQUIRED if not isinstance(entry.get(k), str) or not entry.get(k).strip()]
        if lacking:
            raise ContentError(f"{where}: a source lacks {', '.join(lacking)}")
        if not _SOURCE_ID.match(entry["id"]):
            raise ContentError(f"{where}: source id {entry['id']!r} should be kebab-case, like 'nhs-stroke'")
        if entry["id"] in seen:
            raise ContentError(f"{where}: source id {entry['id']!r} used twice")
        seen.add(entry["id"])
        if entry["kind"] not in SOURCE_KINDS:
            raise ContentError(f"{where}: source {entry['id']!r} has unknown kind {entry['kind']!r}")
        url = entry.get("url", "")
        if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
            raise ContentError(f"{where}: source {entry['id']!r}: url must be a web address or empty")
        if "year" in entry and not isinstance(entry["year"], int):
            raise ContentError(f"{where}: source {entry['id']!r}: year must be a number")
    return tuple(entries)


def _cited(where: str, node: dict, known: set[str], what: str) -> list[str]:
    ids = node.get("sources", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ContentError(f"{where}: {what}: sources must be a list of source ids")
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ContentError(f"{where}: {what} names unknown source {unknown[0]!r}")
    return ids


def _check_stop_rules(where: str, item: dict, known: set[str], what: str) -> None:
    for rule in item.get("stop_rules", []):
        if isinstance(rule, dict):
            if not isinstance(rule.get("text"), str) or not rule["text"].strip():
                raise ContentError(f"{where}: {what}: a stop rule has no text")
            _cited(where, rule, known, f"{what}, stop rule {rule['text'][:40]!r}")
        elif not isinstance(rule, str):
            raise ContentError(f"{where}: {what}: a stop rule must be a table {{ text = ..., sources = [...] }}")


def _check_citations(where: str, blocks, known: set[str]) -> None:
    """Every source id named on the page is in the page's [[sources]]; every shared rule named exists."""
    rules = {r["id"] for r in shared_rules()}
    for block in blocks:
        label = block.get("heading") or block.get("id") or "a block"
        if not isinstance(block.get("medical", False), bool):
            raise ContentError(f"{where}: {label!r}: medical must be true or false")
        _cited(where, block, known, repr(label))
        for item in block.get("items", []) if isinstance(block.get("items"), list) else []:
            if not isinstance(item, dict):
                continue
            what = f"{label!r}, item {str(item.get('title') or item.get('statement') or '')[:40]!r}"
            _cited(where, item, known, what)
            _check_stop_rules(where, item, known, what)
            missing = [r for r in item.get("shared_rules", []) if r not in rules]
            if missing:
                raise ContentError(f"{where}: {what} names unknown shared rule {missing[0]!r}")


def _shared_rules_file() -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    return _shared_rules_in(current_locale())


@functools.cache
def _shared_rules_in(locale: str) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    raw = _localised(CONTENT_DIR / f"{SHARED_RULES_FILE}.toml", locale)
    where = f"{SHARED_RULES_FILE}.toml"
    sources = _checked_sources(where, raw.get("sources", []))
    known = {s["id"] for s in sources}
    rules = raw.get("rules", [])
    ids: set[str] = set()
    for rule in rules:
        if not rule.get("id") or not rule.get("title") or not rule.get("stop_rules"):
            raise ContentError(f"{where}: a rule lacks id, title or stop_rules")
        if rule["id"] in ids:
            raise ContentError(f"{where}: rule id {rule['id']!r} used twice")
        ids.add(rule["id"])
        _cited(where, rule, known, f"rule {rule['id']!r}")
        _check_stop_rules(where, rule, known, f"rule {rule['id']!r}")
    return tuple(rules), sources


def shared_rules() -> tuple[dict, ...]:
    """Stop rules that hold across conditions (``content/shared_rules.toml``), each written once."""
    return _shared_rules_file()[0]


def missing_sources(blocks) -> list[str]:
    """What on a page states a medical fact without naming a source: every card, every stop rule,
    and every block or quiz item marked ``medical = true``. Empty when all is sourced."""
    missing = []
    for block in blocks:
        label = block.get("heading") or block.get("id") or "a block"
        if block.get("medical") and not block.get("sources"):
            missing.append(f"{label}: marked medical but names no source")
        cards = block.get("type") == "cards"
        for item in block.get("items", []) if isinstance(block.get("items"), list) else []:
            if not isinstance(item, dict):
                continue  # a sorter's items are plain words
            name = f"{label} / {item.get('title') or item.get('statement', '')[:40]}"
            if (cards or item.get("medical")) and not item.get("sources"):
                missing.append(f"{name}: no source")
            for rule in item.get("stop_rules", []):
                if not isinstance(rule, dict) or not rule.get("sources"):
                    missing.append(f"{name}: stop rule {stop_rule_text(rule)[:50]!r} has no source")
    return missing


def shared_labels() -> dict[str, str]:
    """The words that frame stop rules and sources (``[labels]`` in ``content/shared_rules.toml``)."""
    return dict(_content_file(SHARED_RULES_FILE)["labels"])


def shared_rule(rule_id: str) -> dict:
    for rule in shared_rules():
        if rule["id"] == rule_id:
            return rule
    raise KeyError(f"no shared rule {rule_id!r}")


def stop_rule_text(rule) -> str:
    """The words of one stop rule (a table with ``text``, or a plain string)."""
    return rule["text"] if isinstance(rule, dict) else str(rule)


def card_shared_rules(item: dict) -> list[dict]:
    """The shared rules a card names, in its order."""
    return [shared_rule(r) for r in item.get("shared_rules", [])]


def card_stop_rules(item: dict) -> list[str]:
    """All the stop rules that apply to a card: its own, then those of the shared rules it names."""
    texts = [stop_rule_text(r) for r in item.get("stop_rules", [])]
    for rule in card_shared_rules(item):
        texts += [stop_rule_text(r) for r in rule["stop_rules"]]
    return texts


def _source_key(entry: dict) -> str:
    return entry.get("url") or f"{entry['publisher']}|{entry['title']}"


def _unique(entries) -> list[dict]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if _source_key(entry) not in seen:
            seen.add(_source_key(entry))
            out.append(entry)
    return out


def _ids_in(node: dict) -> list[str]:
    ids = list(node.get("sources", []))
    for rule in node.get("stop_rules", []):
        if isinstance(rule, dict):
            ids += rule.get("sources", [])
    return ids


def card_sources(sources, item: dict) -> list[dict]:
    """The sources behind one card: its text, its stop rules and the shared rules it names."""
    by_id = {s["id"]: s for s in sources}
    found = [by_id[i] for i in _ids_in(item) if i in by_id]
    shared = {s["id"]: s for s in _shared_rules_file()[1]}
    for rule in card_shared_rules(item):
        found += [shared[i] for i in _ids_in(rule) if i in shared]
    return _unique(found)


def page_sources(module: Module) -> list[dict]:
    """Everything a module's page rests on: its own [[sources]], then those of the shared rules it shows."""
    shared = {s["id"]: s for s in _shared_rules_file()[1]}
    extra = []
    for block in module.blocks:
        for item in block.get("items", []) if isinstance(block.get("items"), list) else []:
            if isinstance(item, dict):
                for rule in card_shared_rules(item):
                    extra += [shared[i] for i in _ids_in(rule) if i in shared]
    return _unique([*module.sources, *extra])


def condition_stop_rules() -> dict[str, tuple[str, ...]]:
    """Card title -> all its stop rules (its own and the shared ones it names), from every ``cards``
    exercise that has them (Module 2's condition and treatment notes). The ladder shows these."""
    found: dict[str, tuple[str, ...]] = {}
    for module in modules():
        for block in module.exercises:
            if block["type"] == "cards":
                for item in block.get("items", []):
                    rules = card_stop_rules(item)
                    if rules:
                        found.setdefault(item["title"], tuple(rules))
    return found
