"""Write the notebooks in ``notebooks/`` from the content files.

    python -m widgets.authoring.build          # rewrite every notebook
    python -m widgets.authoring.build --check  # exit 1 if a notebook differs from its content

Notebooks are thin: a tagged ``parameters`` cell, one line per part, and the
module's prose as Markdown cells. Cell ids are stable, and no outputs are kept.

It also writes each module's timed plan into its facilitator notes
(``facilitator/NN_slug.md``), between two marker comments, so the notes a
facilitator reads always match the module's content file.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from .. import curriculum, locations
from .plan import notes_with_plan

NOTEBOOKS = locations.NOTEBOOKS
FACILITATOR = locations.FACILITATOR
LANDING = "00_start_here.ipynb"

PARAMETERS = '''# Parameters: change them here, or pass them with papermill -p NAME VALUE.
journal_path = ""   # where answers are saved; empty means the usual private folder on this device
partner_names = ""  # for example "Sam, Alex": fills the name boxes if they are empty
country = ""        # for example "US": whose help and crisis contacts to show first
today = ""          # for example "2026-11-24": the day a check-in is for; empty means today
focus_condition = ""  # for example "stroke": opens that condition's notes and shows its stop rules'''

KERNEL = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _code(cell_id: str, source: str, tags=()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _markdown(cell_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    return cell


def module_notebook(module: curriculum.Module) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(KERNEL)
    nb.metadata["closer_again"] = {"module": module.number}
    cells = [
        _code("parameters", PARAMETERS, tags=["parameters"]),
        _code(
            "page",
            "from widgets import ModulePage\n\n"
            f"page = ModulePage({module.number}, journal_path=journal_path, partner_names=partner_names,\n"
            "                  country=country, today=today, focus_condition=focus_condition, in_browser=True)\n"
            "page.header()",
        ),
        _code("who", "page.who()"),
    ]
    prose_count = 0
    for block in module.blocks:
        if block["kind"] == "prose":
            prose_count += 1
            cells.append(_markdown(f"prose-{prose_count}", f"## {block['heading']}\n\n{block['text'].strip()}"))
        else:
            cells.append(_code(f"exercise-{block['id'].replace('_', '-')}", f'page.show("{block["id"]}")'))
    cells.append(_code("footer", "page.footer()"))
    nb.cells = cells
    return nb


def landing_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(KERNEL)
    nb.cells = [
        _code("parameters", 'country = ""  # for example "US": whose help and crisis contacts to show first',
              tags=["parameters"]),
        _code("landing", "from widgets import show_landing\n\nshow_landing(country)"),
    ]
    return nb


def expected_notes() -> dict[Path, str]:
    """Facilitator notes file -> its text with the current timed plan (only for notes that exist)."""
    out = {}
    for module in curriculum.modules():
        path = FACILITATOR / f"{module.number:02d}_{module.slug}.md"
        if path.exists():
            out[path] = notes_with_plan(path.read_text(encoding="utf-8"), module)
    return out


def expected() -> dict[str, str]:
    """File name -> notebook text, for every notebook the content describes."""
    books = {LANDING: landing_notebook()}
    for module in curriculum.modules():
        books[module.notebook_name] = module_notebook(module)
    return {name: nbformat.writes(nb) + "\n" for name, nb in books.items()}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in expected().items():
        path = NOTEBOOKS / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    for path, text in expected_notes().items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(f"../facilitator/{path.name}")
            if not check:
                path.write_text(text, encoding="utf-8")
    known = set(expected())
    extra = [p.name for p in NOTEBOOKS.glob("*.ipynb") if p.name not in known]
    if check:
        for name in stale:
            print(f"{name} differs from its content file: run python -m widgets.authoring.build")
        for name in extra:
            print(f"{name} has no content file")
        return 1 if stale or extra else 0
    for name in stale:
        print(f"wrote {('notebooks/' + name) if not name.startswith('../') else name[3:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
