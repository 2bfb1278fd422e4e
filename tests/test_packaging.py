"""Set-up promises: two commands, one list of dependencies, CI runs the same command."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

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
