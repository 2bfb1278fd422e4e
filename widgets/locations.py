"""Where the project's files are: the one place that knows the layout on disk.

Two layouts are possible:

* a **checkout** (a clone of the repository, installed with ``pip install -e .`` by
  ``workshop.py``): the notebooks and the facilitator notes are the ones in the
  clone, beside this package, and ``closer-again build`` rewrites them there;
* an **installed copy** (``pip install .``, or a wheel): the wheel carries its own
  copy of the notebooks and notes inside the package, under ``workshop/`` (see
  ``[tool.setuptools.package-dir]`` in pyproject.toml). They are read-only there:
  ``build --check`` checks them against the installed content files.

Voila and Jupyter need real folders, so the package is used from the file system
(pip always installs it that way).
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
CONTENT = PACKAGE / "content"
SHARE = PACKAGE / "share"
STATIC = PACKAGE / "static"
#: a clone of the repository: the notebooks and notes beside the package are the ones to use and rewrite
CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "notebooks").is_dir() and (ROOT / "facilitator").is_dir()
#: where an installed copy keeps its notebooks and notes (mapped from notebooks/ and facilitator/ by pyproject.toml)
PACKAGED = PACKAGE / "workshop"
NOTEBOOKS = ROOT / "notebooks" if CHECKOUT else PACKAGED / "notebooks"
FACILITATOR = ROOT / "facilitator" if CHECKOUT else PACKAGED / "facilitator"
DASHBOARD = FACILITATOR / "dashboard.ipynb"
#: JupyterLab's settings (strip answers on save): only a checkout has them, and only a checkout runs `lab`
SERVER_CONFIG = ROOT / "jupyter_server_config.py"
#: where `guide` writes the handbook unless told otherwise: build/ in a checkout, else the current folder
OUTPUT = ROOT / "build" if CHECKOUT else Path.cwd()
