#!/usr/bin/env python3
"""Set up Closer Again and run it. Needs only Python 3.11+ with venv and pip.

    python3 workshop.py serve   set up (first time only) and serve the dashboard
    python3 workshop.py test    set up (first time only) and run every test
    python3 workshop.py lab     set up (first time only) and open JupyterLab
    python3 workshop.py guide   write the printable facilitator handbook

Everything is installed into ./.venv, with the versions pinned in
constraints.txt. A second run reuses what the first one built.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")


def say(text: str) -> None:
    print(f"[closer-again] {text}", flush=True)


def fingerprint(extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment(extra: str) -> None:
    """Create .venv and install the project, unless it is already up to date."""
    if sys.version_info < (3, 11):
        sys.exit("Closer Again needs Python 3.11 or newer. This is Python %d.%d." % sys.version_info[:2])
    stamp = VENV / f".installed-{extra or 'base'}"
    wanted = fingerprint(extra)
    if stamp.exists() and stamp.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say("creating a private Python environment in .venv (first run only)")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except (subprocess.CalledProcessError, OSError) as exc:
            sys.exit(
                f"Could not create .venv ({exc}).\n"
                "On Debian or Ubuntu, install the venv module first: sudo apt-get install python3-venv"
            )
    say("installing the workshop and its libraries (a few minutes the first time)")
    target = f".[{extra}]" if extra else "."
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), "-e", target])
    stamp.write_text(wanted)


def ensure_chromium() -> str:
    """The browser tests drive Debian's Chromium; install it when we can."""
    found = os.environ.get("CLOSER_AGAIN_CHROMIUM") or (str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"))
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Chromium for the browser tests (first run only)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-dejavu-core"], env=env)
        return str(CHROMIUM)
    sys.exit(
        "The browser tests need Chromium. Install it with: sudo apt-get install chromium\n"
        "or point CLOSER_AGAIN_CHROMIUM at a Chromium or Chrome binary."
    )


def run(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(f"Set-up step failed ({' '.join(cmd[:4])} ...). See the messages above.")


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FROM_THE_TERMINAL = 0x80  # si_code SI_KERNEL: Ctrl+C typed in the terminal (already sent to the child too)


def run_and_forward(cmd: list[str]) -> int:
    """Run the command and wait for it to finish, however this process is asked to stop.

    Ctrl+C in the terminal reaches the command directly (it shares the terminal), so it is
    not sent twice. SIGTERM, SIGHUP, or a SIGINT sent to this process alone are passed on.
    Either way this process waits until the command has finished its own clean-up.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT,
                                preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED))
        while proc.poll() is None:
            info = signal.sigtimedwait(FORWARDED, 0.5)
            if info is None:
                continue
            if info.si_signo == signal.SIGINT and info.si_code == FROM_THE_TERMINAL:
                continue
            try:
                proc.send_signal(info.si_signo)
            except ProcessLookupError:
                pass
        code = proc.returncode
    finally:
        while signal.sigtimedwait(FORWARDED, 0) is not None:
            pass  # a late Ctrl+C: the command has ended already
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    rest = argv[1:]
    if command in ("serve", "lab", "guide", "build"):
        ensure_environment("")
        return run_and_forward([str(PYTHON), "-m", "widgets.cli", command, *rest])
    if command == "test":
        ensure_environment("test")
        chromium = ensure_chromium()
        env = dict(os.environ, CLOSER_AGAIN_CHROMIUM=chromium)
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
