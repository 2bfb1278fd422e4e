"""Every notebook runs: under nbval with checked outputs, and under papermill with
non-default parameters. No answer ever ends up inside a notebook file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from nbval_expected import write_copies

from widgets import curriculum
from widgets.storage.journal import Journal

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SENTINEL = "SENTINEL-answer-7f3a"
pytestmark = pytest.mark.kernel  # nbval and papermill run every notebook in real kernels


def test_nbval_checks_every_notebook_against_its_expected_outputs(tmp_path):
    copies = write_copies(ROOT / "notebooks", tmp_path / "nbval")
    assert len(copies) == len(curriculum.modules()) + 1
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-o", "addopts=", "-q", str(tmp_path / "nbval")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_nbval_notices_a_wrong_output(tmp_path):
    """The check can fail: a copy expecting another title is caught."""
    copies = write_copies(ROOT / "notebooks", tmp_path / "nbval")
    target = next(p for p in copies if p.name.startswith("01_"))
    nb = nbformat.read(target, as_version=4)
    footer = next(c for c in nb.cells if c.id == "footer")
    footer.outputs[0]["data"]["text/html"] = "<p>something else</p>"
    nbformat.write(nb, target)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-o", "addopts=", "-q", str(target)],
        capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600,
    )
    assert result.returncode != 0


def _seed_answers(journal_file: Path) -> None:
    j = Journal(journal_file)
    for slot in ("a", "b"):
        j.partner(slot).put("m01/hopes/why_here", f"{SENTINEL}-{slot}")
        j.partner(slot).put("m01/checkin/2026-01-02/note", f"{SENTINEL}-note-{slot}")
    j.shared().put("m09/goals/regain", f"{SENTINEL}-shared")
    j.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_runs_with_other_parameters_and_keeps_answers_out(path, tmp_path):
    journal_file = tmp_path / "elsewhere" / "journal.sqlite3"
    _seed_answers(journal_file)
    out = tmp_path / "out.ipynb"
    nb = nbformat.read(path, as_version=4)
    params = {"country": "US"}
    if "journal_path" in nb.cells[0].source:
        params.update(journal_path=str(journal_file), partner_names="Robin, Kai", today="2026-01-02")
    papermill.execute_notebook(str(path), str(out), parameters=params, kernel_name="python3",
                               cwd=str(ROOT / "notebooks"), progress_bar=False)
    text = out.read_text(encoding="utf-8")
    assert SENTINEL not in text, "an answer from the journal leaked into the notebook file"
    result = nbformat.read(out, as_version=4)
    errors = [o for c in result.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    if "journal_path" in params:
        # the parameters were honoured: names went into the journal at that path
        assert Journal(journal_file).partner_names() == {"a": "Robin", "b": "Kai"}
        assert "Robin" not in json.dumps(result.metadata.get("widgets", {}))
        html_out = "".join(
            o.get("data", {}).get("text/html", "") for c in result.cells if c.cell_type == "code" for o in c.outputs
        )
        assert "Module" in html_out


def test_saving_in_jupyterlab_drops_outputs_and_widget_state(tmp_path):
    from jupyter_server.services.contents.filemanager import FileContentsManager

    namespace: dict = {}
    config_text = (ROOT / "jupyter_server_config.py").read_text()
    exec(compile(config_text, "jupyter_server_config.py", "exec"),  # noqa: S102 - our own config file
         {"get_config": lambda: __import__("traitlets.config", fromlist=["Config"]).Config(), **namespace}, namespace)
    hook = namespace["strip_answers"]
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook=hook)
    nb = nbformat.read(NOTEBOOKS[1], as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text=SENTINEL)]
    nb.cells[2].execution_count = 3
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": {"value": SENTINEL}}}}
    manager.save({"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}, "saved.ipynb")
    saved = (tmp_path / "saved.ipynb").read_text()
    assert SENTINEL not in saved
    assert "widget-state" not in saved
