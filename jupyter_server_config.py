"""JupyterLab settings for Closer Again (used by `python3 workshop.py lab`).

Answers live only in the private journal. So that saving a notebook can never
copy an answer into the .ipynb file, every save drops code-cell outputs and
saved widget state from the workshop's notebooks.
"""


def strip_answers(model, **kwargs):
    """Pre-save hook: no outputs, no widget state, no execution counts."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    content = model["content"]
    content.get("metadata", {}).pop("widgets", None)
    for cell in content.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("widgets", None)


c = get_config()  # noqa: F821 - provided by Jupyter when it reads this file
c.FileContentsManager.pre_save_hook = strip_answers
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.open_browser = True
# No network calls from JupyterLab either: no news feed, no update check, and an
# extension manager that lists what is installed without asking an index.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
