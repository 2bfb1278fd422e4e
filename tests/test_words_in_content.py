"""Every word a participant or facilitator reads lives in widgets/content, not in widget code.

The test reads every ``widgets/**/*.py`` with ``ast`` and looks where interface words would hide:

* string constants passed as ``description=``, ``placeholder=`` or ``tooltip=`` (any word at all);
* string constants in a list or tuple passed as ``options=`` (any word): the words on choice buttons and in
  drop-down lists. A choice whose saved value is a stable key takes its words from ui.toml as
  ``(words, value)`` pairs (``activities.labelled``), so the value in code is never what people read;
* string constants in HTML-building strings and f-strings (anything with a tag in it): the text between
  the tags, and the ``title``, ``alt``, ``aria-label`` and ``placeholder`` attributes (two or more words);
* the first argument (or ``value=``) of ``HTML(...)``, ``w.HTML(...)``, ``w.Label(...)``, ``_p(...)`` and
  ``html.escape(...)``, and the label of a form field (``TextField(id, label)``): two or more words;
* the title of a ``Disclosure(title, ...)`` section (any word).

Docstrings, CSS inside ``<style>``, and code inside ``<script>`` are not words people read. What truly
must stay in code is in ALLOWED below, each with its reason; an allowed entry that no longer matches
anything fails too, so the list only shrinks.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "widgets"
KEYWORDS = {"description", "placeholder", "tooltip"}
HTML_CALLS = {"HTML", "Label", "escape", "_p"}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>", re.S)
ATTRS = re.compile(r"""\b(?:title|alt|aria-label|placeholder)\s*=\s*(["'])(.*?)\1""", re.S)
HOLE = "\x00"  # where an f-string fills in a value

#: (file under widgets/, a piece of the flagged text) -> why it stays in code
ALLOWED = {
    ("group/dashboard.py", "python3 workshop.py serve"):
        "a shell command the facilitator types; commands are not translated",
}


def _not_read(tree: ast.AST) -> set[int]:
    """Docstrings, and the pieces of f-strings (each f-string is read whole)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            ids.update(id(part) for part in ast.walk(node) if part is not node)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _joined(node: ast.AST) -> str | None:
    """A string constant, or an f-string's constant parts with a hole for each value; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _joined(node.left), _joined(node.right)
        if left is not None or right is not None:
            return (left or HOLE) + (right or HOLE)
    return None


def _words(text: str) -> list[str]:
    text = re.sub(r"&#?\w+;", " ", text.replace(HOLE, " "))
    return WORD.findall(text)


def _html_text(markup: str) -> list[str]:
    """What a person reads in a piece of HTML: text between tags and the readable attributes."""
    markup = re.sub(r"<(style|script)\b.*?(</\1>|$)", " ", markup, flags=re.S | re.I)
    found = [value for _, value in ATTRS.findall(markup)]
    found += [chunk for chunk in TAG.split(markup)]
    return [chunk.strip() for chunk in found if len(_words(chunk)) >= 2]


def english_in_code(root: Path = PACKAGE) -> list[tuple[str, int, str]]:
    hits = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _not_read(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    text = _joined(kw.value) if kw.arg in KEYWORDS else None
                    if text is not None and _words(text):
                        hits.append((rel, kw.value.lineno, f"{kw.arg}={text!r}"))
                    if kw.arg == "options" and isinstance(kw.value, (ast.List, ast.Tuple)):
                        for option in kw.value.elts:
                            text = _joined(option)
                            if text is not None and _words(text):
                                hits.append((rel, option.lineno, f"options=[{text!r}]"))
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "Disclosure" and node.args:  # a section's title
                    text = _joined(node.args[0])
                    if text is not None and _words(text):
                        hits.append((rel, node.args[0].lineno, f"Disclosure({text!r})"))
                if name and name.endswith("Field") and len(node.args) >= 2:  # a form field's label
                    text = _joined(node.args[1])
                    if text is not None and len(_words(text)) >= 2:
                        hits.append((rel, node.args[1].lineno, f"{name}(label={text!r})"))
                if name in HTML_CALLS:
                    args = node.args[:1] + [kw.value for kw in node.keywords if kw.arg == "value"]
                    for arg in args:
                        text = _joined(arg)
                        if text is not None and not TAG.search(text) and len(_words(text)) >= 2:
                            hits.append((rel, arg.lineno, f"{name}({text!r})"))
            if isinstance(node, (ast.Constant, ast.JoinedStr)) and id(node) not in skip:
                text = _joined(node)
                if text and TAG.search(text):
                    hits += [(rel, node.lineno, chunk) for chunk in _html_text(text)]
    return hits


def _allowed(rel: str, text: str) -> str | None:
    for (where, piece), reason in ALLOWED.items():
        if where == rel and piece in text:
            return reason
    return None


def test_no_english_words_in_widget_code():
    left = [f"widgets/{rel}:{line}: {text[:90]}" for rel, line, text in english_in_code()
            if not _allowed(rel, text)]
    assert left == [], ("Move these words to widgets/content/ui.toml and read them with "
                        "curriculum.text(...) (or add them to ALLOWED with a reason):\n" + "\n".join(left))


def test_every_allowed_entry_still_matches_something():
    hits = english_in_code()
    stale = [key for key in ALLOWED if not any(rel == key[0] and key[1] in text for rel, _, text in hits)]
    assert stale == [], f"these ALLOWED entries match nothing any more; remove them: {stale}"


@pytest.mark.parametrize("source, expected", [
    ('w.Button(description="Save it")', 1),
    ('w.Button(description=curriculum.text("x.y"))', 0),
    ('w.Text(placeholder=f"Type {n} words")', 1),
    ('x = f"<p>{n} minutes left</p>"', 1),
    ('x = f"<p>{_t(\'a.b\')}</p>"', 0),
    ("x = '<img alt=\"A picture of us\" src=\"{}\">'", 1),
    ("x = '<style>.a { color: red } body { margin: 0 }</style>'", 0),
    ('w.HTML("Nothing here yet.")', 1),
    ('TextField("notes", "What we noticed")', 1),
    ('TextField("notes", t("ladder.noticed"))', 0),
    ('SingleChoiceField("q1", s, options=["Myth", "Fact"])', 2),
    ('w.Dropdown(options=[UNSORTED, *groups])', 0),
    ('w.Dropdown(options=labelled("quiz.choices", QUIZ_CHOICES))', 0),
    ('w.Dropdown(options=["07:00", "07:30"])', 0),
    ('"""A docstring with <b>tags</b> in it."""', 0),
])
def test_the_detector_finds_words_and_only_words(tmp_path, source, expected):
    (tmp_path / "sample.py").write_text(source + "\n", encoding="utf-8")
    assert len(english_in_code(tmp_path)) == expected
