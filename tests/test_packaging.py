"""Set-up promises: two commands, one list of dependencies, CI runs the same command."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _requirement(line: str) -> tuple[str, str]:
    name, bounds = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", line).groups()
    return name.lower().replace("_", "-"), bounds.replace(" ", "")


#: PyPI name -> conda-forge name, where they differ (anaconda.org/conda-forge/python-tzdata,
#: anaconda.org/conda-forge/playwright-python). Every other name is the same on both.
CONDA_FORGE_NAMES = {"tzdata": "python-tzdata", "playwright": "playwright-python"}


def _declared() -> list[str]:
    """Everything pip installs for `.[test]` (which includes the hub extra), not the project itself."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = project["dependencies"] + extras["hub"] + extras["test"]
    return [d for d in declared if _requirement(d)[0] != project["name"]]


def test_environment_yml_and_pyproject_declare_the_same_packages():
    from_pyproject = {CONDA_FORGE_NAMES.get(name, name): bounds
                      for name, bounds in (_requirement(d) for d in _declared())}
    yml = (ROOT / "environment.yml").read_text()
    dependencies = yml.split("dependencies:", 1)[1]
    listed = re.findall(r"^  - ([A-Za-z][^\n#]*)$", dependencies, flags=re.M)
    from_conda = dict(_requirement(x) for x in listed if _requirement(x)[0] not in ("python", "pip"))
    assert from_conda == from_pyproject
    assert "python-tzdata" in from_conda and "playwright-python" in from_conda
    # time-zone data should always be the newest; everything else has an upper bound
    bounded = {name: b for name, b in from_pyproject.items() if name != "python-tzdata"}
    assert all("<" in bounds for bounds in bounded.values()), "every package needs an upper bound"


def test_constraints_pin_every_declared_package():
    pins = dict(
        _requirement(line.split("==")[0]) [0:1] + (line.split("==")[1].strip(),)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    )
    for dep in _declared():
        assert _requirement(dep)[0] in pins, f"{dep} is not pinned in constraints.txt"


def test_readme_quick_start_is_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, flags=re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert lines == ["python3 workshop.py serve", "python3 workshop.py test"]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    assert "python3 workshop.py test" in script


# -- a plain `pip install .` -----------------------------------------------------------------

LEFT_OUT = (".git", ".venv", ".hub", ".npm", ".ipython", "build", "dist", "test-artifacts", "node_modules",
            "__pycache__", ".pytest_cache", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip install .` would install, built offline from a copy of this tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LEFT_OUT))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "--disable-pip-version-check", "-q", "-w", str(work / "dist"), str(source)],
                   check=True, capture_output=True)
    (built,) = (work / "dist").glob("closer_again-*.whl")
    return built


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_the_wheel_carries_code_words_templates_notebooks_and_notes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "widgets"
    expected = {f"widgets/{p.relative_to(package).as_posix()}" for p in _files(package)}
    expected |= {f"widgets/workshop/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    expected |= {f"widgets/workshop/facilitator/{p.name}" for p in _files(ROOT / "facilitator")}
    assert sorted(expected - names) == []
    assert any(n.startswith("widgets/share/voila/templates/closer-again/") for n in names)
    assert "widgets/static/closer-again.css" in names and "widgets/workshop/facilitator/dashboard.ipynb" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "closer-again = widgets.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_copy_checks_its_notebooks_and_writes_the_handbook_from_any_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check",
                    "-q", "--target", str(site), str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSER_AGAIN_")}
    env["PYTHONPATH"] = str(site)  # this copy, not the clone's editable one; libraries from this environment

    def closer_again(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "widgets.cli", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=120)

    where = subprocess.run([sys.executable, "-c", "import widgets.locations as l; print(l.CHECKOUT, l.NOTEBOOKS)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert where == ["False", str(site / "widgets" / "workshop" / "notebooks")]
    check = closer_again("build", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    guide = closer_again("guide")
    assert guide.returncode == 0, guide.stdout + guide.stderr
    handbook = (elsewhere / "facilitator-handbook.html").read_text(encoding="utf-8")
    assert "Module 10" in handbook and "Timed plan" in handbook
    # an installed copy is not rewritten in place: it says where content is changed instead
    rewrite = closer_again("build")
    assert rewrite.returncode == 2 and "git clone" in rewrite.stdout
