#!/usr/bin/env python3
"""Check, after the tests, that no run of 8+ words is copied from the source article.

The source article and its checker live in ../shared, beside a CI checkout but
not beside a user's clone, so this runs from .ci/run, never from the test suite.
copycheck.py reads notebooks and Markdown; the exercise texts live in TOML, so
those are checked here the same way.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPYCHECK = ROOT.parent / "shared" / "tools" / "copycheck.py"
RUN = 8


def main() -> int:
    if not COPYCHECK.exists():
        print(f"own words: {COPYCHECK} is missing; cannot check against the source article")
        return 1
    failed = subprocess.run([sys.executable, str(COPYCHECK), str(ROOT)]).returncode != 0
    spec = importlib.util.spec_from_file_location("copycheck", COPYCHECK)
    copycheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copycheck)
    source = copycheck.words(copycheck.source_text())
    grams = {tuple(source[i:i + RUN]) for i in range(len(source) - RUN + 1)}
    copied = []
    for path in sorted((ROOT / "widgets").rglob("*.toml")):
        words = copycheck.words(path.read_text(encoding="utf-8"))
        copied += [f"{path.relative_to(ROOT)}: {' '.join(words[i:i + RUN])}"
                   for i in range(len(words) - RUN + 1) if tuple(words[i:i + RUN]) in grams]
    for line in copied:
        print("copied:", line)
    print(f"own words: {len(copied)} copied runs in content files")
    return 1 if failed or copied else 0


if __name__ == "__main__":
    sys.exit(main())
