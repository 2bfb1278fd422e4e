"""The notebooks a group session runs: the participant page and the facilitator dashboard."""
from __future__ import annotations

from pathlib import Path

import nbformat

from .. import curriculum, locations
from ..storage import paths
from . import build
from .build import KERNEL


def group_notebook(module_number: int) -> nbformat.NotebookNode:
    """The module's own notebook (from widgets.authoring.build), plus the group pulse, without links elsewhere."""
    module = curriculum.module(module_number)
    nb = build.module_notebook(module)
    cells = []
    for cell in nb.cells:
        if cell.get("id") == "footer":
            cells.append(build._code("journal-tools", "page.journal_tools()"))
            cell = build._code("footer", "from IPython.display import HTML, display\n\n"
                                         "display(HTML(page.footer_html()))")
        cells.append(cell)
        if cell.get("id") == "page":
            # without --network the pages run in the facilitator's own browser: say exactly what it keeps
            cells.append(build._code("storage-note", "from widgets.storage.browser import show_storage_note\n\n"
                                                     "show_storage_note()"))
        if cell.get("id") == "who":
            cells.append(build._code("pulse", f"from widgets.group.pulse import Pulse\n\ndisplay(Pulse({module_number}))"))
    nb.cells = cells
    nb.metadata["closer_again"] = {"module": module_number, "group": True}
    return nb


def write_group_notebook(module_number: int, folder: Path) -> Path:
    paths.ensure_private_dir(folder)
    path = folder / curriculum.module(module_number).notebook_name
    nbformat.write(group_notebook(module_number), path)
    return path


NOTEBOOK = locations.DASHBOARD


CELLS = [
    ("parameters", 'module = 0  # 0: the module of the running group session', ["parameters"]),
    ("dashboard", "from widgets.group.dashboard import FacilitatorDashboard\n\n"
                  "dashboard = FacilitatorDashboard(module)\ndashboard.header()", []),
    ("join", "dashboard.join()", []),
    ("agenda", "dashboard.show_agenda()", []),
    ("ground-rules", "dashboard.ground_rules()", []),
    ("pulse", "dashboard.show_pulse()", []),
]


def notebook() -> nbformat.NotebookNode:

    nb = nbformat.v4.new_notebook()
    nb.metadata.update(KERNEL)
    nb.metadata["closer_again"] = {"facilitator": True}
    for cell_id, source, tags in CELLS:
        cell = nbformat.v4.new_code_cell(source)
        cell.id = cell_id
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def write_notebook(path: Path = NOTEBOOK) -> Path:
    """Write ``facilitator/dashboard.ipynb`` (for widgets.authoring.build to call)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(), path)
    return path
