"""Make copies of the notebooks that carry the outputs they must produce.

The committed notebooks have no outputs (so no answer can ever be saved in
one). For nbval we write copies whose outputs are what a person would see when
the notebook runs with its default parameters: the module header and footer as
HTML, and each widget's fixed text label. nbval runs the copies and compares.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from widgets import curriculum, landing_html
from widgets.kit.page import ModulePage

WIDGET_VIEW = {"application/vnd.jupyter.widget-view+json": {"model_id": "", "version_major": 2, "version_minor": 0}}


def _widget(label: str) -> dict:
    return nbformat.v4.new_output("display_data", data={"text/plain": label, **WIDGET_VIEW})


def _html(markup: str) -> dict:
    return nbformat.v4.new_output(
        "display_data", data={"text/html": markup, "text/plain": "<IPython.core.display.HTML object>"}
    )


def expected_outputs(nb: nbformat.NotebookNode) -> dict[str, list]:
    number = nb.metadata.get("closer_again", {}).get("module")
    if number is None:
        return {"landing": [_widget("<Closer Again: pause and help>"), _html(landing_html()),
                            _widget("<Closer Again: the modules>")]}
    module = curriculum.module(number)
    page = ModulePage.__new__(ModulePage)
    page.module = module
    outputs = {
        "page": [_html(ModulePage.header_html(page)), _widget("<Closer Again: pause and help>"),
                 _widget("<Closer Again: page watch>")],
        "who": [_widget("<Closer Again: who is answering>")],
        "footer": [_html(ModulePage.footer_html(page)), _widget("<Closer Again: next module>")],
    }
    for block in module.exercises:
        cell_id = f"exercise-{block['id'].replace('_', '-')}"
        outputs[cell_id] = [_widget(f"<Closer Again exercise: {block['title']}>")]
    return outputs


def write_copies(source_dir: Path, target_dir: Path) -> list[Path]:
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        outputs = expected_outputs(nb)
        count = 0
        for cell in nb.cells:
            if cell.cell_type == "code":
                count += 1
                cell.outputs = outputs.get(cell.id, [])
                cell.execution_count = count  # nbval compares only cells marked as run
        target = target_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written
