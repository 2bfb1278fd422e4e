"""Saving a notebook in the real JupyterLab server (as `workshop.py lab` starts it) keeps no answers."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import nbformat

from conftest import ROOT, free_port
from widgets.cli import lab_command, server_env

SENTINEL = "SENTINEL-lab-answer-41"


def test_a_save_from_jupyterlab_drops_outputs_and_widget_state(tmp_path):
    shutil.copy(ROOT / "notebooks" / "01_welcome.ipynb", tmp_path / "01_welcome.ipynb")
    port = free_port()
    proc = subprocess.Popen(
        lab_command("--no-browser", f"--port={port}", "--IdentityProvider.token=test-token",
                    f"--ServerApp.root_dir={tmp_path}"),
        cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        nb = nbformat.read(tmp_path / "01_welcome.ipynb", as_version=4)
        nb.cells[2].outputs = [nbformat.v4.new_output("stream", text=SENTINEL)]
        nb.cells[2].execution_count = 1
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"m": {"value": SENTINEL}}}}
        body = json.dumps({"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}).encode()
        url = f"http://127.0.0.1:{port}/api/contents/01_welcome.ipynb?token=test-token"
        deadline = time.time() + 60
        while True:
            try:
                request = urllib.request.Request(url, data=body, method="PUT",
                                                 headers={"Content-Type": "application/json"})
                assert urllib.request.urlopen(request, timeout=10).status in (200, 201)  # noqa: S310 - localhost
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        saved = (tmp_path / "01_welcome.ipynb").read_text()
        assert SENTINEL not in saved
        assert "widget-state" not in saved
    finally:
        proc.terminate()
        proc.wait(timeout=20)
