"""Saving a notebook in the real JupyterLab server (as `workshop.py lab` starts it) keeps no answers."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import nbformat
import pytest
from conftest import ROOT, answering, free_port, holds_for

from widgets.cli import lab_command, server_env

SENTINEL = "SENTINEL-lab-answer-41"


@pytest.mark.server
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


@pytest.mark.browser
def test_a_module_runs_in_jupyterlab_with_no_request_leaving_the_computer(tmp_path, visit):
    shutil.copy(ROOT / "notebooks" / "01_welcome.ipynb", tmp_path / "01_welcome.ipynb")
    port = free_port()
    proc = subprocess.Popen(
        lab_command("--no-browser", f"--port={port}", "--IdentityProvider.token=test-token",
                    f"--ServerApp.root_dir={tmp_path}"),
        cwd=ROOT, env=dict(server_env(), CLOSER_AGAIN_JOURNAL=str(tmp_path / "journal.sqlite3")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        v = visit(1400, 1000)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=test-token", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        v.page.goto(f"http://127.0.0.1:{port}/lab/tree/01_welcome.ipynb?token=test-token")
        v.page.wait_for_selector(".jp-Notebook", timeout=90_000)
        # the kernel is started and idle before we run the cells, as a person would see in the status bar
        v.page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=90_000)
        v.page.get_by_role("menuitem", name="Run").click()
        v.page.get_by_text("Run All Cells", exact=True).click()
        v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
        v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
        answering(v, "Partner 1", timeout=30)
        holds_for(lambda: v.outside == [], 3, what="no request leaving the computer")  # time for any news or update request
        assert v.page.get_by_text("Jupyter news").count() == 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
